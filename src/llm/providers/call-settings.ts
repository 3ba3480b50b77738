import { createHash } from "node:crypto";
import { type AssistantContent, jsonSchema, type ModelMessage, type ToolSet, type UserContent } from "ai";
import type { LlmConfig } from "../../domain/index.js";
import type { SdkCallToolChoice } from "./call-middleware.js";
import type { ProviderFamily } from "./model-factory.js";
import type {
  ChatMessage,
  ModelRequest,
  ReasoningSettings,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from "./types.js";

type JsonObject = { [key: string]: JsonValue };
type JsonValue = null | string | number | boolean | JsonValue[] | JsonObject;
type ProviderOptions = Record<string, JsonObject>;

/** The parts of a `generateText` / `streamText` call derived from a request. */
export interface CallSettings {
  system: string | undefined;
  messages: ModelMessage[];
  tools: ToolSet | undefined;
  /** Not a `generateText` setting: it goes to the provider through the call wrapper (see `wrapForCall`). */
  toolChoice: SdkCallToolChoice | undefined;
  /** Not a `generateText` setting either: the provider-level call takes it (see `wrapForCall`). */
  responseFormat: ResponseFormat | undefined;
  maxOutputTokens: number | undefined;
  temperature: number | undefined;
  providerOptions: ProviderOptions;
  allowSystemInMessages: true;
}

/** Where the request goes, as far as translating it is concerned. */
export interface CallTarget {
  family: ProviderFamily;
  optionsKey: string;
  /** `provider/model`: reasoning signed by another provider is not replayed to this one. */
  handle?: string | undefined;
}

/** Translates a provider-neutral request into AI SDK call settings for one provider family. */
export function buildCallSettings(request: ModelRequest, target: CallTarget): CallSettings {
  const config = typeof request.model === "string" ? undefined : request.model;
  const { system, messages } = toSdkMessages(request.system, request.messages, target);
  const tools = request.tools && request.tools.length > 0 ? toSdkTools(request.tools) : undefined;
  return {
    system,
    messages,
    tools,
    toolChoice: tools ? toSdkToolChoice(request.toolChoice) : undefined,
    responseFormat: request.responseFormat,
    maxOutputTokens: request.maxOutputTokens ?? config?.max_tokens ?? undefined,
    temperature: request.temperature ?? config?.temperature ?? undefined,
    providerOptions: providerOptionsFor(request, config, target, {
      hasTools: tools !== undefined,
      unsignedToolTurn: target.family === "anthropic" && continuesUnsignedToolTurn(messages),
    }),
    allowSystemInMessages: true,
  };
}

/**
 * Leading system messages join the system prompt. Later ones stay system messages for OpenAI-style
 * APIs; Anthropic and Gemini accept a system prompt only up front, so there they become user text.
 */
function toSdkMessages(
  system: string | undefined,
  messages: ChatMessage[],
  target: CallTarget,
): { system: string | undefined; messages: ModelMessage[] } {
  const systemParts = system ? [system] : [];
  // A conversation of system messages only (an agent's message to a fresh agent) keeps its last one
  // as the message to answer: providers refuse a request with no messages.
  const foldable = messages.every((message) => message.role === "system")
    ? messages.length - 1
    : messages.length;
  let index = 0;
  for (; index < foldable; index++) {
    const message = messages[index]!;
    if (message.role !== "system") break;
    systemParts.push(message.content);
  }
  const converted = messages.slice(index).map((message) => toSdkMessage(message, target));
  return { system: systemParts.length > 0 ? systemParts.join("\n\n") : undefined, messages: converted };
}

function toSdkMessage(message: ChatMessage, target: CallTarget): ModelMessage {
  const family = target.family;
  if (message.role === "user") return { role: "user", content: toUserContent(message.content) };
  if (message.role === "assistant") {
    return { role: "assistant", content: toAssistantContent(message.content, target) };
  }
  if (message.role === "tool") {
    return {
      role: "tool",
      content: message.results.map((result) => ({
        type: "tool-result",
        toolCallId: wireToolCallId(result.toolCallId, family),
        toolName: result.name,
        output: result.isError
          ? { type: "error-text", value: result.content }
          : { type: "text", value: result.content },
      })),
    };
  }
  const systemInline = family === "openai" || family === "openai-compatible";
  return systemInline
    ? { role: "system", content: message.content }
    : { role: "user", content: [{ type: "text", text: message.content }] };
}

function toUserContent(content: Extract<ChatMessage, { role: "user" }>["content"]): UserContent {
  if (typeof content === "string") return content;
  return content.map((part) => {
    if (part.type === "text") return { type: "text", text: part.text };
    const image = part.data ?? (part.url ? new URL(part.url) : "");
    return { type: "image", image, ...(part.mediaType && { mediaType: part.mediaType }) };
  });
}

function toAssistantContent(
  content: Extract<ChatMessage, { role: "assistant" }>["content"],
  target: CallTarget,
): AssistantContent {
  if (typeof content === "string") return content;
  const family = target.family;
  // Only Anthropic and Gemini take reasoning back (with its signature); others ignore or reject it.
  const replaysReasoning = family === "anthropic" || family === "google";
  const parts: Exclude<AssistantContent, string> = [];
  for (const part of content) {
    if (part.type === "text") {
      parts.push({ type: "text", text: part.text });
    } else if (part.type === "reasoning") {
      if (!replaysReasoning || (part.text === "" && !part.signature)) continue;
      // A signature proves the reasoning to the provider that signed it; any other one rejects it.
      if (!sameProvider(part.origin, target.handle)) continue;
      parts.push({ type: "reasoning", text: part.text, providerOptions: signatureOptions(part.signature) });
    } else {
      parts.push({
        type: "tool-call",
        toolCallId: wireToolCallId(part.id, family),
        toolName: part.name,
        input: parseArguments(part.arguments),
        providerOptions: signatureOptions(part.signature),
      });
    }
  }
  return parts;
}

/** Whether the part's producing model is served by the target's provider (unknown on either side: yes). */
function sameProvider(origin: string | undefined, handle: string | undefined): boolean {
  if (origin === undefined || handle === undefined) return true;
  const slash = origin.indexOf("/");
  return slash > 0 && origin.slice(0, slash) === handle.slice(0, handle.indexOf("/"));
}

const ANTHROPIC_TOOL_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const OPENAI_MAX_TOOL_ID = 40;

/**
 * A tool call id the target provider accepts. Ids come from whichever provider made the call (an
 * OpenAI-compatible server may answer `functions.search:0`); Anthropic takes only `[a-zA-Z0-9_-]`
 * and OpenAI at most 40 characters. An id that does not fit is replaced by a stable one derived from
 * it, the same for the call and its result, so the pairing survives a change of provider.
 */
export function wireToolCallId(id: string, family: ProviderFamily): string {
  const fits =
    family === "anthropic"
      ? ANTHROPIC_TOOL_ID.test(id)
      : id.length > 0 && (family !== "openai" || id.length <= OPENAI_MAX_TOOL_ID);
  if (fits) return id;
  const digest = createHash("sha256").update(id).digest("hex").slice(0, 16);
  return `${id.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 20)}_${digest}`;
}

function signatureOptions(signature: string | undefined): ProviderOptions | undefined {
  if (!signature) return undefined;
  return { anthropic: { signature }, google: { thoughtSignature: signature } };
}

/** Arguments go back as an object; text that is not a JSON object (the model erred) becomes `{}`. */
function parseArguments(text: string): JsonObject {
  try {
    const value = JSON.parse(text) as JsonValue;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** Raw JSON schemas and no `execute`: the SDK only describes the tools; the loop runs them. */
function toSdkTools(tools: ToolDefinition[]): ToolSet {
  const set: ToolSet = {};
  for (const tool of tools) {
    set[tool.name] = {
      ...(tool.description !== undefined && { description: tool.description }),
      inputSchema: jsonSchema(tool.parameters),
    };
  }
  return set;
}

function toSdkToolChoice(choice: ToolChoice | undefined): SdkCallToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === "string") return { type: choice };
  return { type: "tool", toolName: choice.name };
}

/** The reasoning asked for: the request's, else what the LlmConfig enables. */
function reasoningOf(request: ModelRequest, config: LlmConfig | undefined): ReasoningSettings {
  if (request.reasoning !== undefined) return request.reasoning;
  if (!config?.enable_reasoner && !config?.reasoning_effort) return false;
  return {
    effort: config.reasoning_effort ?? undefined,
    budgetTokens: config.max_reasoning_tokens ?? undefined,
  };
}

const MIN_THINKING_BUDGET = 1024;

/**
 * Whether the request continues a tool-using assistant turn (tool results after the last assistant
 * message) whose turn does not open with signed thinking: one made by another provider before a
 * switch of model, or before thinking was turned on. Anthropic refuses such a request with thinking
 * enabled, so that call goes without it.
 */
function continuesUnsignedToolTurn(messages: readonly ModelMessage[]): boolean {
  let answersTools = false;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as ModelMessage;
    if (message.role === "tool") answersTools = true;
    else if (message.role === "assistant") {
      if (!answersTools) return false;
      const first = typeof message.content === "string" ? undefined : message.content[0];
      return !(first?.type === "reasoning" && first.providerOptions?.anthropic);
    }
  }
  return false;
}

function providerOptionsFor(
  request: ModelRequest,
  config: LlmConfig | undefined,
  target: CallTarget,
  context: { hasTools: boolean; unsignedToolTurn: boolean },
): ProviderOptions {
  const { hasTools } = context;
  const parallel = hasTools
    ? (request.parallelToolCalls ?? config?.parallel_tool_calls ?? undefined)
    : undefined;
  const reasoning = reasoningOf(request, config);
  const effort = reasoning ? reasoning.effort : undefined;
  const options: JsonObject = {};
  switch (target.family) {
    case "openai":
      if (parallel !== undefined) options.parallelToolCalls = parallel;
      if (effort) options.reasoningEffort = effort;
      // The SDK asks for strict schemas by default; a schema is strict only when its owner said so.
      if (request.responseFormat?.schema) options.strictJsonSchema = request.responseFormat.strict === true;
      break;
    case "openai-compatible":
      if (effort) options.reasoningEffort = effort;
      break;
    case "anthropic":
      if (parallel !== undefined) options.disableParallelToolUse = !parallel;
      if (reasoning && !context.unsignedToolTurn) {
        const budgetTokens = Math.max(MIN_THINKING_BUDGET, reasoning.budgetTokens ?? MIN_THINKING_BUDGET);
        options.thinking = { type: "enabled", budgetTokens };
      }
      break;
    case "google":
      if (reasoning) {
        options.thinkingConfig = {
          includeThoughts: true,
          ...(reasoning.budgetTokens !== undefined && { thinkingBudget: reasoning.budgetTokens }),
        };
      }
      break;
  }
  return Object.keys(options).length > 0 ? { [target.optionsKey]: options } : {};
}
