import { fakeEmbed } from "./embedder.js";
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
  estimateTokens,
  type FakeReply,
  jsonFragments,
  type RecordedRequest,
  replyAccounting,
  textDeltas,
} from "./script.js";

/** Options for the fake OpenAI server. */
export interface FakeOpenAIOptions {
  /** Ids served by `GET /v1/models`; the first is the default `model` in responses. */
  models?: string[];
  /** Embedding size when the request has no `dimensions` (default 384). */
  embeddingDim?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

const CREATED = 1_700_000_000;
const MAX_DIMENSIONS = 8192;

/** Starts an OpenAI-compatible fake (chat completions, embeddings, models) on 127.0.0.1. */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeLlmServer> {
  const models = options.models ?? ["gpt-4o-mini", "text-embedding-3-small"];
  const embeddingDim = options.embeddingDim ?? 384;
  let completionCount = 0;
  let toolCallCount = 0;

  const renderCompletion = (request: RecordedRequest, reply: FakeReply): Rendered => {
    const body = (request.body ?? {}) as {
      model?: string;
      stream?: boolean;
      stream_options?: { include_usage?: boolean };
    };
    completionCount += 1;
    const id = `chatcmpl-fake-${completionCount}`;
    const model = body.model ?? models[0] ?? "gpt-4o-mini";
    const { finishReason, inputTokens, outputTokens } = replyAccounting(reply, body);
    const usage = {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    };
    const toolCalls = (reply.toolCalls ?? []).map((call) => {
      toolCallCount += 1;
      return { id: call.id ?? `call_fake_${toolCallCount}`, name: call.name, arguments: argumentsJson(call) };
    });

    if (body.stream !== true) {
      const message = {
        role: "assistant",
        content: reply.text ?? (toolCalls.length > 0 ? null : ""),
        refusal: null,
        ...(toolCalls.length > 0 && {
          tool_calls: toolCalls.map((call) => ({
            id: call.id,
            type: "function",
            function: { name: call.name, arguments: call.arguments },
          })),
        }),
      };
      return {
        kind: "json",
        body: {
          id,
          object: "chat.completion",
          created: CREATED,
          model,
          choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
          usage,
          system_fingerprint: "fp_fake",
        },
      };
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunk = (delta: object, finish: string | null = null) =>
      sseFrame({
        id,
        object: "chat.completion.chunk",
        created: CREATED,
        model,
        system_fingerprint: "fp_fake",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage && { usage: null }),
      });
    const frames = [chunk({ role: "assistant", content: "", refusal: null })];
    for (const text of textDeltas(reply.text ?? "")) frames.push(chunk({ content: text }));
    toolCalls.forEach((call, index) => {
      frames.push(
        chunk({
          tool_calls: [
            { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
          ],
        }),
      );
      for (const fragment of jsonFragments(call.arguments)) {
        frames.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
      }
    });
    frames.push(chunk({}, finishReason));
    if (includeUsage) {
      frames.push(
        sseFrame({
          id,
          object: "chat.completion.chunk",
          created: CREATED,
          model,
          system_fingerprint: "fp_fake",
          choices: [],
          usage,
        }),
      );
    }
    frames.push(sseFrame("[DONE]"));
    return { kind: "sse", frames };
  };

  const renderEmbeddings = (request: RecordedRequest): Rendered => {
    const body = (request.body ?? {}) as {
      input?: unknown;
      model?: string;
      dimensions?: unknown;
      encoding_format?: string;
    };
    const inputs = embeddingInputs(body.input);
    if (!inputs)
      return { kind: "error", error: "bad-request", message: "'input' must be a non-empty string or array" };
    const dim = body.dimensions ?? embeddingDim;
    if (typeof dim !== "number" || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIMENSIONS) {
      return { kind: "error", error: "bad-request", message: `Invalid 'dimensions': ${String(dim)}` };
    }
    const base64 = body.encoding_format === "base64";
    const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
    return {
      kind: "json",
      body: {
        object: "list",
        data: inputs.map((text, index) => {
          const vector = fakeEmbed(text, dim);
          return { object: "embedding", index, embedding: base64 ? float32Base64(vector) : vector };
        }),
        model: body.model ?? "text-embedding-3-small",
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
    };
  };

  const adapter: ProviderAdapter = {
    provider: "openai",
    requestIdHeader: "x-request-id",
    endpointFor(method, path) {
      if (method === "POST" && path === "/v1/chat/completions") return "completion";
      if (method === "POST" && path === "/v1/embeddings") return "embedding";
      if (method === "GET" && path === "/v1/models") return "models";
      return undefined;
    },
    isAuthorized: (headers, apiKey) => headers.authorization === `Bearer ${apiKey}`,
    errorBody: openAIErrorBody,
    render(endpoint, request, reply) {
      if (endpoint === "completion") return renderCompletion(request, reply);
      if (endpoint === "embedding") return renderEmbeddings(request);
      return {
        kind: "json",
        body: {
          object: "list",
          data: models.map((id) => ({ id, object: "model", created: CREATED, owned_by: "reverie-fake" })),
        },
      };
    },
  };
  return startFakeServer(adapter, { apiKey: options.apiKey });
}

function openAIErrorBody(kind: ErrorKind, _status: number, message: string | undefined): unknown {
  const [type, code, fallback] = (
    {
      "rate-limit": [
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again later.",
      ],
      "server-error": ["server_error", null, "The server had an error while processing your request."],
      "context-overflow": [
        "invalid_request_error",
        "context_length_exceeded",
        "This model's maximum context length is 128000 tokens. Please reduce the length of the messages.",
      ],
      "not-found": ["invalid_request_error", "unknown_url", "Unknown request URL."],
      unauthorized: ["invalid_request_error", "invalid_api_key", "Incorrect API key provided."],
      "bad-request": ["invalid_request_error", null, "Invalid request."],
    } satisfies Record<ErrorKind, [string, string | null, string]>
  )[kind];
  const param = kind === "context-overflow" ? "messages" : null;
  return { error: { message: message ?? fallback, type, param, code } };
}

function embeddingInputs(input: unknown): string[] | undefined {
  const asText = (item: unknown) =>
    typeof item === "string" ? item : Array.isArray(item) ? item.join(" ") : undefined;
  if (typeof input === "string") return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  // An array of numbers is a single tokenized input; otherwise one input per element.
  if (input.every((item) => typeof item === "number")) return [input.join(" ")];
  const texts = input.map(asText);
  return texts.every((text) => text !== undefined) ? (texts as string[]) : undefined;
}

/** Little-endian float32 bytes, base64-encoded, as OpenAI returns for `encoding_format: "base64"`. */
function float32Base64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => {
    bytes.writeFloatLE(value, index * 4);
  });
  return bytes.toString("base64");
}
