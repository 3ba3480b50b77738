import { type JSONSchema7, type LanguageModelMiddleware, wrapLanguageModel } from "ai";
import type { ResponseFormat } from "./types.js";

/** The AI SDK's provider-level language model (what the provider packages return). */
export type SdkLanguageModel = Parameters<typeof wrapLanguageModel>[0]["model"];

/** The tool choice as the provider-level model takes it. */
export type SdkCallToolChoice = { type: "auto" | "none" | "required" } | { type: "tool"; toolName: string };

/** What one call needs from the model wrapper. */
export interface CallHooks {
  /** Filled with the argument JSON of every tool call, by call id, exactly as the provider produced it. */
  rawToolInputs: Map<string, string>;
  /** Sent to the provider as is. */
  toolChoice?: SdkCallToolChoice | undefined;
  /** Structured output, sent to the provider as its JSON response format. */
  responseFormat?: ResponseFormat | undefined;
}

/**
 * Wraps `model` for one call. The SDK hands callers parsed tool arguments, but the loop stores the raw
 * text (and must see broken JSON as broken), so the wrapper records it. The tool choice is set here,
 * below the SDK's own check, because `generateText` throws when a forced tool is not called (and
 * `streamText` does not): what to do then is the agent loop's decision, the same for both.
 */
export function wrapForCall(model: SdkLanguageModel, hooks: CallHooks): SdkLanguageModel {
  const record = hooks.rawToolInputs;
  const middleware: LanguageModelMiddleware = {
    specificationVersion: "v3",
    transformParams: async ({ params }) => {
      let next = params;
      if (hooks.toolChoice && params.tools?.length) next = { ...next, toolChoice: hooks.toolChoice };
      const format = hooks.responseFormat;
      if (format) {
        next = {
          ...next,
          responseFormat: {
            type: "json",
            ...(format.schema && { schema: format.schema as JSONSchema7 }),
            ...(format.name && { name: format.name }),
            ...(format.description && { description: format.description }),
          },
        };
      }
      return next;
    },
    async wrapGenerate({ doGenerate }) {
      const result = await doGenerate();
      for (const part of result.content) {
        if (part.type === "tool-call") record.set(part.toolCallId, part.input);
      }
      return result;
    },
    async wrapStream({ doStream }) {
      const { stream, ...rest } = await doStream();
      const tap = new TransformStream<typeof stream extends ReadableStream<infer P> ? P : never>({
        transform(part, controller) {
          if (part.type === "tool-call") record.set(part.toolCallId, part.input);
          controller.enqueue(part);
        },
      });
      return { stream: stream.pipeThrough(tap), ...rest };
    },
  };
  return wrapLanguageModel({ model, middleware });
}
