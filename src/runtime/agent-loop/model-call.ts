import { LlmError } from "../../llm/providers/llm-error.js";
import type {
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ModelStreamEvent,
} from "../../llm/providers/types.js";

/** The ids a step's messages will have when it commits, known before its LLM call (token streaming). */
export interface StepDraft {
  stepId: string;
  /** The assistant message (reasoning, text, server tool calls). */
  assistantMessageId: string;
  /** The approval request holding calls that need approval (client tools among them). */
  approvalMessageId: string;
  requiresApproval(toolName: string): boolean;
}

/** One streamed LLM call: relays its events and resolves with the assembled response. */
export async function streamResponse(
  provider: ModelProvider,
  call: ModelRequest,
  relay: (event: ModelStreamEvent) => void,
): Promise<ModelResponse> {
  for await (const event of provider.stream(call)) {
    if (event.type === "finish") return event.response;
    relay(event);
  }
  const model = typeof call.model === "string" ? call.model : (call.model.handle ?? call.model.model);
  throw new LlmError({ kind: "invalid_response", model, detail: "the stream ended without a response" });
}
