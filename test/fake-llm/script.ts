import type { IncomingHttpHeaders } from "node:http";

/** Provider-neutral finish reason; translated to `stop_reason` on the Anthropic wire. */
export type FakeFinishReason = "stop" | "tool_calls" | "length";

/** A tool call the fake model makes. String `arguments` are sent verbatim (so tests can send broken JSON). */
export interface FakeToolCall {
  name: string;
  arguments?: Record<string, unknown> | string;
  id?: string;
}

/** Token counts to report; anything missing is estimated from the request and reply sizes. */
export interface FakeUsage {
  inputTokens?: number;
  outputTokens?: number;
}

/** One scripted model reply, rendered in each provider's wire format. */
export interface FakeReply {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** Defaults to "tool_calls" when there are tool calls, otherwise "stop". */
  finishReason?: FakeFinishReason;
  usage?: FakeUsage;
  /** Wait this long before answering (cut short when the server closes). */
  delayMs?: number;
}

/** A failure to inject instead of a reply. */
export type FakeFault =
  | { fault: "rate-limit"; retryAfterSeconds?: number; message?: string }
  | { fault: "server-error"; status?: number; message?: string }
  | { fault: "context-overflow"; message?: string }
  | { fault: "hang" }
  | { fault: "malformed-json" }
  | { fault: "stream-cut"; afterEvents?: number; reply?: FakeReply };

/** What a queued or computed step can be: a reply or a fault. */
export type ScriptStep = FakeReply | FakeFault;

/** Which kind of endpoint a request hit. */
export type FakeEndpoint = "completion" | "embedding" | "models";

/** A request as the fake server received it. `body` is the parsed JSON, or undefined if it was not JSON. */
export interface RecordedRequest {
  provider: "openai" | "anthropic";
  endpoint: FakeEndpoint | "unknown";
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
}

/** Computes the step for a completion request when the queue is empty. */
export type ReplyHandler = (request: RecordedRequest) => ScriptStep | Promise<ScriptStep>;

/** Returns true when the step is a fault rather than a reply. */
export function isFault(step: ScriptStep): step is FakeFault {
  return "fault" in step;
}

/**
 * The per-test script of a fake server. Completion requests take, in order: a pending `failNext` fault,
 * the next queued step, the handler, then `defaultReply`.
 */
export class FakeScript {
  defaultReply: FakeReply = { text: "ok" };
  private readonly queue: ScriptStep[] = [];
  private readonly faults: { fault: FakeFault; endpoint: FakeEndpoint | "any" }[] = [];
  private handler: ReplyHandler | undefined;

  /** Queues steps for the next completion requests. */
  push(...steps: ScriptStep[]): this {
    this.queue.push(...steps);
    return this;
  }

  /** Sets (or clears, with undefined) the function consulted once the queue is empty. */
  respondWith(handler: ReplyHandler | undefined): this {
    this.handler = handler;
    return this;
  }

  /** Fails the next request to `endpoint` (default: completions) ahead of anything queued. */
  failNext(fault: FakeFault, endpoint: FakeEndpoint | "any" = "completion"): this {
    this.faults.push({ fault, endpoint });
    return this;
  }

  /** Number of queued steps and pending faults not yet consumed. */
  get pending(): number {
    return this.queue.length + this.faults.length;
  }

  /** Clears the queue, pending faults, the handler and the default reply. */
  reset(): void {
    this.queue.length = 0;
    this.faults.length = 0;
    this.handler = undefined;
    this.defaultReply = { text: "ok" };
  }

  /** Consumes the step for a request; `undefined` means "answer normally" (non-completion endpoints). */
  async take(request: RecordedRequest): Promise<ScriptStep | undefined> {
    const endpoint = request.endpoint;
    if (endpoint === "unknown") return undefined;
    const index = this.faults.findIndex((entry) => entry.endpoint === "any" || entry.endpoint === endpoint);
    if (index >= 0) return this.faults.splice(index, 1)[0]!.fault;
    if (endpoint !== "completion") return undefined;
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.handler) return this.handler(request);
    return this.defaultReply;
  }
}

/** The text of the last user message in an OpenAI or Anthropic chat request body ("" if none). */
export function lastUserText(request: RecordedRequest): string {
  const body = request.body as { messages?: { role?: string; content?: unknown }[] } | undefined;
  const messages = body?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === "user") return contentText(message.content);
  }
  return "";
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { type?: string; text?: unknown }) =>
      part.type === "text" && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}

/** Rough token count (4 characters a token) used when a reply does not set usage. */
export function estimateTokens(value: unknown): number {
  if (value === undefined) return 0;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return Math.ceil(text.length / 4);
}

/** Serializes tool-call arguments exactly as they go on the wire. */
export function argumentsJson(call: FakeToolCall): string {
  if (call.arguments === undefined) return "{}";
  return typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
}

/** Resolved finish reason and token counts of a reply for a given request body. */
export function replyAccounting(
  reply: FakeReply,
  requestBody: unknown,
): { finishReason: FakeFinishReason; inputTokens: number; outputTokens: number } {
  const toolCalls = reply.toolCalls ?? [];
  const finishReason = reply.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop");
  const body = requestBody as { messages?: unknown; system?: unknown; tools?: unknown } | undefined;
  const inputTokens =
    reply.usage?.inputTokens ??
    Math.max(1, estimateTokens(body?.messages) + estimateTokens(body?.system) + estimateTokens(body?.tools));
  const generated = (reply.text ?? "") + toolCalls.map((call) => call.name + argumentsJson(call)).join("");
  const outputTokens = reply.usage?.outputTokens ?? Math.max(1, estimateTokens(generated));
  return { finishReason, inputTokens, outputTokens };
}

/** Splits text into word-sized deltas whose concatenation is the original text. */
export function textDeltas(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Splits a JSON argument string into a few fragments, as providers stream them. */
export function jsonFragments(json: string): string[] {
  if (json.length === 0) return [];
  const size = Math.max(1, Math.ceil(json.length / 3));
  const fragments: string[] = [];
  for (let start = 0; start < json.length; start += size) fragments.push(json.slice(start, start + size));
  return fragments;
}
