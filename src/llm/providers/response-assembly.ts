import type {
  LanguageModelUsage,
  ProviderMetadata,
  FinishReason as SdkFinishReason,
  TextStreamPart,
  ToolSet,
} from "ai";
import type { FinishReason, ModelResponse, ModelStreamEvent, ModelUsage, ToolCall } from "./types.js";

/** Maps the SDK's usage to ours; counts the provider did not report are 0 (or absent for the details). */
export function toModelUsage(usage: LanguageModelUsage | undefined): ModelUsage {
  const promptTokens = usage?.inputTokens ?? 0;
  const completionTokens = usage?.outputTokens ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: usage?.totalTokens ?? promptTokens + completionTokens,
    cachedInputTokens: usage?.inputTokenDetails?.cacheReadTokens ?? usage?.cachedInputTokens,
    cacheWriteTokens: usage?.inputTokenDetails?.cacheWriteTokens,
    reasoningTokens: usage?.outputTokenDetails?.reasoningTokens ?? usage?.reasoningTokens,
  };
}

export function toFinishReason(reason: SdkFinishReason | undefined): FinishReason {
  switch (reason) {
    case "stop":
    case "length":
    case "tool-calls":
    case "content-filter":
      return reason;
    default:
      return "other";
  }
}

/** The signature a provider attached to reasoning or a tool call (Anthropic `signature`, Gemini `thoughtSignature`). */
export function signatureOf(metadata: ProviderMetadata | undefined): string | undefined {
  const anthropic = metadata?.anthropic?.signature;
  if (typeof anthropic === "string") return anthropic;
  for (const entry of Object.values(metadata ?? {})) {
    const signature = entry?.thoughtSignature;
    if (typeof signature === "string") return signature;
  }
  return undefined;
}

/** A tool call from the SDK; its argument text is `rawText` (as produced) when known, else re-serialized. */
export function toToolCall(
  call: {
    toolCallId: string;
    toolName: string;
    input: unknown;
    providerMetadata?: ProviderMetadata | undefined;
  },
  rawText: string | undefined,
): ToolCall {
  const text = rawText ?? (typeof call.input === "string" ? call.input : JSON.stringify(call.input ?? {}));
  const signature = signatureOf(call.providerMetadata);
  return { id: call.toolCallId, name: call.toolName, arguments: text, ...(signature && { signature }) };
}

/**
 * Turns the SDK's stream parts into our events and assembles the final response. Providers that send a
 * tool call in one piece (no input deltas) still produce start, delta and end events.
 */
export class StreamAssembler {
  private text = "";
  private reasoning = "";
  private reasoningSignature: string | undefined;
  private readonly toolCalls: ToolCall[] = [];
  private readonly started = new Map<string, string>();
  private readonly argumentText = new Map<string, string>();
  private finishReason: FinishReason = "other";
  private usage: ModelUsage = toModelUsage(undefined);

  constructor(
    private readonly model: string,
    private readonly rawInputs: ReadonlyMap<string, string>,
  ) {}

  /** The events a part yields (often none). */
  accept(part: TextStreamPart<ToolSet>): ModelStreamEvent[] {
    switch (part.type) {
      case "text-delta":
        if (part.text === "") return [];
        this.text += part.text;
        return [{ type: "text-delta", text: part.text }];
      case "reasoning-start":
      case "reasoning-end":
        this.reasoningSignature = signatureOf(part.providerMetadata) ?? this.reasoningSignature;
        return [];
      case "reasoning-delta":
        this.reasoningSignature = signatureOf(part.providerMetadata) ?? this.reasoningSignature;
        if (part.text === "") return [];
        this.reasoning += part.text;
        return [{ type: "reasoning-delta", text: part.text }];
      case "tool-input-start":
        this.started.set(part.id, part.toolName);
        this.argumentText.set(part.id, "");
        return [{ type: "tool-call-start", id: part.id, name: part.toolName }];
      case "tool-input-delta":
        if (part.delta === "") return [];
        this.argumentText.set(part.id, (this.argumentText.get(part.id) ?? "") + part.delta);
        return [{ type: "tool-call-delta", id: part.id, argumentsDelta: part.delta }];
      case "tool-call":
        return this.acceptToolCall(part);
      case "finish-step":
        this.finishReason = toFinishReason(part.finishReason);
        this.usage = toModelUsage(part.usage);
        return [];
      default:
        return [];
    }
  }

  /** The response assembled from everything accepted so far. */
  response(): ModelResponse {
    return {
      text: this.text,
      ...(this.reasoning !== "" && { reasoning: this.reasoning }),
      ...(this.reasoningSignature && { reasoningSignature: this.reasoningSignature }),
      toolCalls: [...this.toolCalls],
      finishReason: this.finishReason,
      usage: this.usage,
      model: this.model,
    };
  }

  private acceptToolCall(part: Extract<TextStreamPart<ToolSet>, { type: "tool-call" }>): ModelStreamEvent[] {
    const rawText =
      this.rawInputs.get(part.toolCallId) ?? (this.argumentText.get(part.toolCallId) || undefined);
    const toolCall = toToolCall(part, rawText);
    this.toolCalls.push(toolCall);
    const events: ModelStreamEvent[] = [];
    if (!this.started.has(part.toolCallId)) {
      events.push({ type: "tool-call-start", id: toolCall.id, name: toolCall.name });
      events.push({ type: "tool-call-delta", id: toolCall.id, argumentsDelta: toolCall.arguments });
    }
    events.push({ type: "tool-call-end", toolCall });
    return events;
  }
}
