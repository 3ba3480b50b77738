import { createHash } from "node:crypto";
import type { LlmConfig, Message } from "../../domain/index.js";
import type { ChatMessage, ToolDefinition } from "../../llm/providers/types.js";
import { createTokenCounter, type TokenCounter } from "../../llm/tokens/index.js";
import { toChatMessages } from "../agent-loop/chat-messages.js";

/** The prompt tokens of one LLM request, by part. */
export interface RequestSize {
  system: number;
  messages: number;
  tools: number;
  total: number;
}

/** Counts what a request built from a window would cost, the way the loop would send it. */
export interface RequestSizer {
  counterFor(model: LlmConfig): TokenCounter;
  /** Tokens of one stored message as the model sees it (the system message included). */
  messageTokens(model: LlmConfig, message: Message): number;
  /** The whole request: `window[0]` is the system message, the rest the conversation. */
  measure(model: LlmConfig, window: readonly Message[], tools: readonly ToolDefinition[]): RequestSize;
  /**
   * A bound no count exceeds, from UTF-8 sizes alone (a token is at least one byte): lets a request
   * well under its threshold skip the tokenizer, whose tables take a second or two to load.
   */
  upperBound(window: readonly Message[], tools: readonly ToolDefinition[]): number;
}

interface CounterEntry {
  counter: TokenCounter;
  /** Tokens the chat format adds once per request (reply priming). */
  priming: number;
  /** Stored messages are immutable but for the system message, rebuilt as a new object: count once. */
  perMessage: WeakMap<Message, number>;
  perToolSet: Map<string, number>;
}

const TOOL_CACHE_SIZE = 32;
/** More than the counter charges for an image, and for the fixed framing of a request. */
const IMAGE_BOUND = 1_000;
const FRAMING_BOUND = 32;

function textOf(message: Message): string {
  return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
}

/**
 * Builds a sizer. Windows are recounted before every LLM call, so counts are cached: per message
 * object (a window's messages are counted once per turn, then only new ones) and per tool set.
 */
export function createRequestSizer(): RequestSizer {
  const entries = new Map<string, CounterEntry>();
  const byteBounds = new WeakMap<Message, number>();

  // JSON adds keys and quotes around every part, more bytes than the few framing tokens per part.
  function byteBound(message: Message): number {
    const cached = byteBounds.get(message);
    if (cached !== undefined) return cached;
    const chat: ChatMessage[] =
      message.role === "system" ? [{ role: "system", content: textOf(message) }] : toChatMessages([message]);
    const images = message.content.filter((part) => part.type === "image").length;
    const bound = Buffer.byteLength(JSON.stringify(chat)) + images * IMAGE_BOUND;
    byteBounds.set(message, bound);
    return bound;
  }

  function entryFor(model: LlmConfig): CounterEntry {
    const probe = createTokenCounter(model);
    const key = probe.encoding ?? "estimate";
    let entry = entries.get(key);
    if (!entry) {
      const empty: ChatMessage = { role: "user", content: "" };
      // countMessages(list) = priming + sum of per-message costs, so the priming is 2*c(1) - c(2).
      const priming = 2 * probe.countMessages([empty]) - probe.countMessages([empty, empty]);
      entry = { counter: probe, priming, perMessage: new WeakMap(), perToolSet: new Map() };
      entries.set(key, entry);
    }
    return entry;
  }

  function messageTokens(entry: CounterEntry, message: Message): number {
    const cached = entry.perMessage.get(message);
    if (cached !== undefined) return cached;
    const chat: ChatMessage[] =
      message.role === "system" ? [{ role: "system", content: textOf(message) }] : toChatMessages([message]);
    const tokens = chat.length === 0 ? 0 : entry.counter.countMessages(chat) - entry.priming;
    entry.perMessage.set(message, tokens);
    return tokens;
  }

  function toolTokens(entry: CounterEntry, tools: readonly ToolDefinition[]): number {
    if (tools.length === 0) return 0;
    const key = createHash("sha1").update(JSON.stringify(tools)).digest("hex");
    const cached = entry.perToolSet.get(key);
    if (cached !== undefined) return cached;
    const tokens = entry.counter.countTools(tools);
    if (entry.perToolSet.size >= TOOL_CACHE_SIZE) {
      const oldest = entry.perToolSet.keys().next().value;
      if (oldest !== undefined) entry.perToolSet.delete(oldest);
    }
    entry.perToolSet.set(key, tokens);
    return tokens;
  }

  return {
    counterFor: (model) => entryFor(model).counter,
    upperBound(window, tools) {
      let bound = FRAMING_BOUND + (tools.length > 0 ? Buffer.byteLength(JSON.stringify(tools)) : 0);
      for (const message of window) bound += byteBound(message);
      return bound;
    },
    messageTokens: (model, message) => messageTokens(entryFor(model), message),
    measure(model, window, tools) {
      const entry = entryFor(model);
      const [system, ...rest] = window;
      const systemTokens = system ? messageTokens(entry, system) : 0;
      let messages = 0;
      for (const message of rest) messages += messageTokens(entry, message);
      const chatTokens = systemTokens + messages;
      const priming = chatTokens > 0 ? entry.priming : 0;
      const toolsTokens = toolTokens(entry, tools);
      return {
        system: systemTokens,
        messages: messages + priming,
        tools: toolsTokens,
        total: chatTokens + priming + toolsTokens,
      };
    },
  };
}
