import {
  type ErrorKind,
  type FakeLlmServer,
  type ProviderAdapter,
  type Rendered,
  sseFrame,
  startFakeServer,
} from "./fake-http-server.js";
import {
  argumentsJson,
  type FakeFinishReason,
  type FakeReply,
  jsonFragments,
  type RecordedRequest,
  replyAccounting,
  textDeltas,
} from "./script.js";

/** Options for the fake Anthropic server. */
export interface FakeAnthropicOptions {
  /** Ids served by `GET /v1/models`; the first is the default `model` in responses. */
  models?: string[];
  /** When set, requests must carry `x-api-key: <apiKey>` (or `Authorization: Bearer <apiKey>`). */
  apiKey?: string;
}

const STOP_REASON: Record<FakeFinishReason, string> = {
  stop: "end_turn",
  tool_calls: "tool_use",
  length: "max_tokens",
};

type ContentBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: unknown; json: string };

/** Starts an Anthropic-compatible fake (messages, models) on 127.0.0.1. */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeLlmServer> {
  const models = options.models ?? ["claude-sonnet-4-5", "claude-haiku-4-5"];
  let messageCount = 0;
  let toolUseCount = 0;

  const renderMessage = (request: RecordedRequest, reply: FakeReply): Rendered => {
    const body = (request.body ?? {}) as { model?: string; stream?: boolean };
    messageCount += 1;
    const id = `msg_fake_${messageCount}`;
    const model = body.model ?? models[0] ?? "claude-sonnet-4-5";
    const { finishReason, inputTokens, outputTokens } = replyAccounting(reply, body);
    const stopReason = STOP_REASON[finishReason];
    const toolCalls = reply.toolCalls ?? [];
    const blocks: ContentBlock[] = [];
    if (reply.text !== undefined && (reply.text.length > 0 || toolCalls.length === 0)) {
      blocks.push({ type: "text", text: reply.text });
    }
    for (const call of toolCalls) {
      toolUseCount += 1;
      const json = argumentsJson(call);
      const toolId = call.id ?? `toolu_fake_${toolUseCount}`;
      blocks.push({ type: "tool_use", id: toolId, name: call.name, input: parseOrRaw(json), json });
    }
    const usage = {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };

    if (body.stream !== true) {
      return {
        kind: "json",
        body: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: blocks.map((block) =>
            block.type === "text"
              ? block
              : { type: "tool_use", id: block.id, name: block.name, input: block.input },
          ),
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        },
      };
    }

    const event = (type: string, data: object) => sseFrame({ type, ...data }, type);
    const frames = [
      event("message_start", {
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      }),
      event("ping", {}),
    ];
    blocks.forEach((block, index) => {
      if (block.type === "text") {
        frames.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
        for (const text of textDeltas(block.text)) {
          frames.push(event("content_block_delta", { index, delta: { type: "text_delta", text } }));
        }
      } else {
        const contentBlock = { type: "tool_use", id: block.id, name: block.name, input: {} };
        frames.push(event("content_block_start", { index, content_block: contentBlock }));
        for (const partial of ["", ...jsonFragments(block.json)]) {
          frames.push(
            event("content_block_delta", {
              index,
              delta: { type: "input_json_delta", partial_json: partial },
            }),
          );
        }
      }
      frames.push(event("content_block_stop", { index }));
    });
    frames.push(
      event("message_delta", {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: outputTokens },
      }),
      event("message_stop", {}),
    );
    return { kind: "sse", frames };
  };

  const adapter: ProviderAdapter = {
    provider: "anthropic",
    requestIdHeader: "request-id",
    endpointFor(method, path) {
      if (method === "POST" && path === "/v1/messages") return "completion";
      if (method === "GET" && path === "/v1/models") return "models";
      return undefined;
    },
    isAuthorized: (headers, apiKey) =>
      headers["x-api-key"] === apiKey || headers.authorization === `Bearer ${apiKey}`,
    errorBody: anthropicErrorBody,
    render(endpoint, request, reply) {
      if (endpoint === "completion") return renderMessage(request, reply);
      const data = models.map((id) => ({
        type: "model",
        id,
        display_name: id,
        created_at: "2025-01-01T00:00:00Z",
      }));
      return {
        kind: "json",
        body: { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null },
      };
    },
  };
  return startFakeServer(adapter, { apiKey: options.apiKey });
}

function anthropicErrorBody(kind: ErrorKind, status: number, message: string | undefined): unknown {
  const [type, fallback] = (
    {
      "rate-limit": ["rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."],
      "server-error":
        status === 529 ? ["overloaded_error", "Overloaded"] : ["api_error", "Internal server error"],
      "context-overflow": ["invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"],
      "not-found": ["not_found_error", "Not found"],
      unauthorized: ["authentication_error", "invalid x-api-key"],
      "bad-request": ["invalid_request_error", "Invalid request"],
    } satisfies Record<ErrorKind, [string, string]>
  )[kind];
  return { type: "error", error: { type, message: message ?? fallback } };
}

/** Anthropic tool input is an object; arguments that are not JSON are passed through as the raw string. */
function parseOrRaw(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
