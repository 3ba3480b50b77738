import type { LlmConfig } from "../../domain/index.js";
import type { ChatMessage, ToolDefinition } from "../providers/types.js";
import { countEncodedTokens, type EncodingName, encodingForModel } from "./encodings.js";
import { estimateTokens } from "./estimate.js";

export { estimateTokens };

/** Counts tokens the way a model would see them; see {@link createTokenCounter} for how exact it is. */
export interface TokenCounter {
  /** The encoding used, or undefined when counts are estimated. */
  readonly encoding: EncodingName | undefined;
  countText(text: string): number;
  /** The prompt tokens of a message list, with the per-message framing the chat format adds. */
  countMessages(messages: readonly ChatMessage[]): number;
  /** The prompt tokens taken by tool definitions. */
  countTools(tools: readonly ToolDefinition[]): number;
}

// Framing of OpenAI's chat format: every message costs a few tokens around its content, and the
// reply is primed with a few more (the numbers OpenAI publishes for its gpt-4 / gpt-4o families).
// Other providers frame differently; the same numbers keep their estimates in the right range.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_TOOL_CALL = 3;
const REPLY_PRIMING = 3;
const TOKENS_PER_TOOL = 8;
const TOOLS_OVERHEAD = 12;
/** A rough cost of one image (between OpenAI's low- and high-detail costs of a 1024 px image). */
const TOKENS_PER_IMAGE = 765;

/**
 * A counter for `model` (a handle, a bare model id or an LlmConfig). OpenAI models (and OpenAI model ids
 * served elsewhere) are counted with tiktoken, exactly for ordinary text (long runs and very long texts
 * are bounded, see `createPiecewiseCounter`): o200k_base for gpt-4o, gpt-4.1, gpt-5 and the
 * o-series, cl100k_base for gpt-4, gpt-3.5 and the embedding models. Anything else is estimated with
 * {@link estimateTokens}. The tokenizer is loaded on the first count, not here.
 */
export function createTokenCounter(model: string | LlmConfig): TokenCounter {
  const modelId = typeof model === "string" ? model.slice(model.indexOf("/") + 1) : model.model;
  const encoding = encodingForModel(modelId);
  const countText = encoding ? (text: string) => countEncodedTokens(encoding, text) : estimateTokens;

  const countMessage = (message: ChatMessage): number => {
    switch (message.role) {
      case "system":
        return TOKENS_PER_MESSAGE + countText(message.content);
      case "user":
        if (typeof message.content === "string") return TOKENS_PER_MESSAGE + countText(message.content);
        return message.content.reduce(
          (sum, part) => sum + (part.type === "text" ? countText(part.text) : TOKENS_PER_IMAGE),
          TOKENS_PER_MESSAGE,
        );
      case "assistant":
        if (typeof message.content === "string") return TOKENS_PER_MESSAGE + countText(message.content);
        return message.content.reduce((sum, part) => {
          if (part.type === "tool-call") {
            return sum + TOKENS_PER_TOOL_CALL + countText(part.name) + countText(part.arguments);
          }
          return sum + countText(part.text);
        }, TOKENS_PER_MESSAGE);
      case "tool":
        // Each result travels as a message of its own.
        return message.results.reduce(
          (sum, result) =>
            sum + TOKENS_PER_MESSAGE + countText(result.toolCallId) + countText(result.content),
          0,
        );
    }
  };

  return {
    encoding,
    countText,
    countMessages(messages) {
      if (messages.length === 0) return 0;
      return messages.reduce((sum, message) => sum + countMessage(message), REPLY_PRIMING);
    },
    countTools(tools) {
      if (tools.length === 0) return 0;
      return tools.reduce(
        (sum, tool) =>
          sum +
          TOKENS_PER_TOOL +
          countText(tool.name) +
          countText(tool.description ?? "") +
          countText(JSON.stringify(tool.parameters)),
        TOOLS_OVERHEAD,
      );
    },
  };
}
