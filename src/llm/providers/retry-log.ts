import type { Log } from "../../domain/index.js";
import type { RetryNotice } from "./retry.js";

/**
 * A `warn` line for each LLM retry: provider trouble that the retry may still hide from the user
 * (a run that fails after its retries gets its own `error` line).
 */
export function logRetry(log: Log, notice: RetryNotice): void {
  const { error } = notice;
  log.warn(
    {
      model: error.model,
      status: error.httpStatus ?? null,
      kind: error.kind,
      retry: notice.retry,
      delay_ms: notice.delayMs,
    },
    "llm call retried",
  );
}
