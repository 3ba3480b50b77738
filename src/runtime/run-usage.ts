import type { LettaUsage } from "../domain/index.js";
import type { Store } from "../store/store.js";
import { emptyUsage } from "./agent-loop/turn-outcome.js";

/** A run's usage, summed over its successful steps (`context_tokens`: the last step's prompt). */
export async function usageOfRun(store: Store, runId: string): Promise<LettaUsage> {
  const usage = emptyUsage(runId);
  for (const step of await store.steps.list({ run_id: runId, order: "asc", limit: 10_000 })) {
    if (step.status !== "success") continue;
    usage.prompt_tokens += step.prompt_tokens;
    usage.completion_tokens += step.completion_tokens;
    usage.total_tokens += step.total_tokens;
    usage.cached_input_tokens += step.cached_input_tokens ?? 0;
    usage.cache_write_tokens += step.cache_write_tokens ?? 0;
    usage.reasoning_tokens += step.reasoning_tokens ?? 0;
    usage.step_count += 1;
    usage.context_tokens = step.prompt_tokens;
  }
  return usage;
}
