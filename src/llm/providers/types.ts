import type { LlmConfig } from "../../domain/index.js";

// The provider-neutral port the agent loop talks to. Nothing here depends on the AI SDK's types, so the
// loop, its tests and its fakes never see them.

/** A JSON Schema object describing a tool's arguments. */
export type JsonSchema = Record<string, unknown>;

/** A tool the model may call; the loop executes it, never the provider layer. */
export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  parameters: JsonSchema;
}

/** `auto`: the model decides; `required`: it must call some tool; `{ name }`: it must call that tool. */
export type ToolChoice = "auto" | "required" | "none" | { name: string };

/** Plain text in a message. */
export interface TextPart {
  type: "text";
  text: string;
}

/** An image in a user message: base64 `data` with its media type, or a URL. */
export interface ImagePart {
  type: "image";
  data?: string | undefined;
  url?: string | undefined;
  mediaType?: string | undefined;
}

/** The model's visible reasoning. `signature` is the provider's proof (Anthropic, Gemini), replayed as is. */
export interface ReasoningPart {
  type: "reasoning";
  text: string;
  signature?: string | undefined;
  /** Handle of the model that produced it: its signature is replayed to that provider only. */
  origin?: string | undefined;
}

/** A tool call the model made. `arguments` is the JSON text as the model produced it (it may be invalid). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
  /** Gemini's thought signature for this call, replayed as is. */
  signature?: string | undefined;
}

/** A tool call inside an assistant message. */
export interface ToolCallPart extends ToolCall {
  type: "tool-call";
}

/** The outcome of one tool call, sent back to the model. */
export interface ToolResult {
  toolCallId: string;
  name: string;
  content: string;
  isError?: boolean | undefined;
}

/** One message of the conversation sent to the model. */
export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | (TextPart | ImagePart)[] }
  | { role: "assistant"; content: string | (TextPart | ReasoningPart | ToolCallPart)[] }
  | { role: "tool"; results: ToolResult[] };

/** How much the model should think; `false` turns reasoning off even when the LlmConfig enables it. */
export type ReasoningSettings =
  | false
  | {
      /** OpenAI-style effort (`minimal`, `low`, `medium`, `high`). */
      effort?: string | undefined;
      /** Anthropic / Gemini thinking budget in tokens. */
      budgetTokens?: number | undefined;
    };

/** Structured output: the answer is JSON, shaped by `schema` when one is given. */
export interface ResponseFormat {
  type: "json";
  schema?: JsonSchema | undefined;
  name?: string | undefined;
  description?: string | undefined;
  /** Whether the provider must follow the schema exactly (OpenAI's strict structured outputs). */
  strict?: boolean | undefined;
}

/** One LLM call. Unset generation settings fall back to the LlmConfig when `model` is one. */
export interface ModelRequest {
  /** A handle (`openai/gpt-4o-mini`) or an agent's LlmConfig. */
  model: string | LlmConfig;
  /** The system prompt; leading `system` messages are appended to it. */
  system?: string | undefined;
  messages: ChatMessage[];
  tools?: ToolDefinition[] | undefined;
  toolChoice?: ToolChoice | undefined;
  maxOutputTokens?: number | undefined;
  temperature?: number | undefined;
  parallelToolCalls?: boolean | undefined;
  reasoning?: ReasoningSettings | undefined;
  responseFormat?: ResponseFormat | undefined;
  /** Cancels the call (and any retry wait); the call then fails with an LlmError of kind `cancelled`. */
  abortSignal?: AbortSignal | undefined;
}

/** Why the model stopped. `length` means it hit the output token limit. */
export type FinishReason = "stop" | "length" | "tool-calls" | "content-filter" | "other";

/** Token usage of one call, as the provider reported it. */
export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens read from the provider's cache. */
  cachedInputTokens?: number | undefined;
  /** Prompt tokens written to the provider's cache (Anthropic). */
  cacheWriteTokens?: number | undefined;
  reasoningTokens?: number | undefined;
}

/** What one call produced. */
export interface ModelResponse {
  text: string;
  reasoning?: string | undefined;
  reasoningSignature?: string | undefined;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: ModelUsage;
  /** The handle that served the call (`openai/gpt-4o-mini`). */
  model: string;
}

/**
 * Events of a streamed call, in order. Text and reasoning arrive as deltas; a tool call is announced
 * (`tool-call-start`), its argument JSON arrives in fragments (`tool-call-delta`), then `tool-call-end`
 * gives the whole call. The last event is `finish` with the assembled response and its usage.
 */
export type ModelStreamEvent =
  | { type: "text-delta"; text: string }
  | { type: "reasoning-delta"; text: string }
  | { type: "tool-call-start"; id: string; name: string }
  | { type: "tool-call-delta"; id: string; argumentsDelta: string }
  | { type: "tool-call-end"; toolCall: ToolCall }
  | { type: "finish"; response: ModelResponse };

/** The port the agent loop calls for LLM completions. Failures are thrown as `LlmError`. */
export interface ModelProvider {
  /** One completion, retried on transient failures. */
  generate(request: ModelRequest): Promise<ModelResponse>;
  /**
   * One streamed completion. Transient failures are retried while nothing has been yielded yet; after
   * that a failure ends the iteration with an `LlmError`. Stopping the iteration early aborts the call.
   */
  stream(request: ModelRequest): AsyncIterable<ModelStreamEvent>;
}
