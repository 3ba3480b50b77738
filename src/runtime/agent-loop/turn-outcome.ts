import {
  type LettaUsage,
  ReverieError,
  type RunStatus,
  type StopReason,
  StopReasonSchema,
} from "../../domain/index.js";
import { LlmError } from "../../llm/providers/llm-error.js";
import type { ModelResponse } from "../../llm/providers/types.js";

/** Stop reasons after which a run counts as completed (the rest fail, or are cancelled). */
const COMPLETED: ReadonlySet<StopReason> = new Set([
  "end_turn",
  "max_steps",
  "tool_rule",
  "requires_approval",
]);

/** The status a run ends with for its stop reason. */
export function runStatusFor(stopReason: StopReason): RunStatus {
  if (stopReason === "cancelled") return "cancelled";
  return COMPLETED.has(stopReason) ? "completed" : "failed";
}

/** The usage of a turn before its first step. */
export function emptyUsage(runId: string): LettaUsage {
  return {
    message_type: "usage_statistics",
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    step_count: 0,
    run_ids: [runId],
    cached_input_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    context_tokens: null,
  };
}

/** The stop reason a turn that threw ends with. */
export function stopFor(error: unknown): StopReason {
  if (error instanceof LlmError) {
    if (error.kind === "invalid_response") return "invalid_llm_response";
    if (error.kind === "cancelled") return "cancelled";
    return "llm_api_error";
  }
  // Errors that know how the turn should stop (a context that cannot fit the window) say so.
  const requested = StopReasonSchema.safeParse(error instanceof ReverieError && error.details?.stop_reason);
  return requested.success ? requested.data : "error";
}

/** Adds one step's LLM usage to the turn's. */
export function addUsage(usage: LettaUsage, response: ModelResponse): void {
  usage.prompt_tokens += response.usage.promptTokens;
  usage.completion_tokens += response.usage.completionTokens;
  usage.total_tokens += response.usage.totalTokens;
  usage.cached_input_tokens += response.usage.cachedInputTokens ?? 0;
  usage.cache_write_tokens += response.usage.cacheWriteTokens ?? 0;
  usage.reasoning_tokens += response.usage.reasoningTokens ?? 0;
  usage.step_count += 1;
  usage.context_tokens = response.usage.promptTokens;
}
