import type {
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ModelStreamEvent,
  ToolCall,
} from "../../src/llm/providers/types.js";

/** One scripted model reply: text, or tool calls (arguments given as objects). */
export type ScriptedReply =
  | { text: string }
  | { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> };

/** A zero-latency in-process model: answers each call with the next scripted reply. */
export interface ScriptedProvider extends ModelProvider {
  /** Queues replies for the next calls. */
  push(...replies: ScriptedReply[]): void;
  /** How many calls it answered. */
  readonly calls: number;
}

/**
 * Implements the `ModelProvider` port directly (no HTTP, no AI SDK), so a benchmark measures only the
 * server's own work around each model call.
 */
export function createScriptedProvider(): ScriptedProvider {
  const queue: ScriptedReply[] = [];
  let calls = 0;
  let nextCallId = 0;

  function respond(request: ModelRequest): ModelResponse {
    const reply = queue.shift();
    if (reply === undefined) throw new Error("The scripted provider has no reply queued");
    calls++;
    const model = typeof request.model === "string" ? request.model : (request.model.handle ?? "bench/fake");
    const usage = { promptTokens: 1000, completionTokens: 20, totalTokens: 1020 };
    if ("text" in reply) return { text: reply.text, toolCalls: [], finishReason: "stop", usage, model };
    const toolCalls: ToolCall[] = reply.toolCalls.map((call) => ({
      id: `call_bench_${++nextCallId}`,
      name: call.name,
      arguments: JSON.stringify(call.arguments),
    }));
    return { text: "", toolCalls, finishReason: "tool-calls", usage, model };
  }

  return {
    push: (...replies) => {
      queue.push(...replies);
    },
    get calls() {
      return calls;
    },
    async generate(request) {
      return respond(request);
    },
    async *stream(request): AsyncIterable<ModelStreamEvent> {
      const response = respond(request);
      if (response.text) yield { type: "text-delta", text: response.text };
      for (const toolCall of response.toolCalls) yield { type: "tool-call-end", toolCall };
      yield { type: "finish", response };
    },
  };
}
