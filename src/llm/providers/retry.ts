import { LlmError } from "./llm-error.js";

/** How transient failures (429, 5xx, timeouts, broken connections) are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 3; 0 disables retrying). */
  maxRetries: number;
  /** Wait before the first retry when the provider names none (default 1000 ms). */
  initialDelayMs: number;
  /** Multiplier of the wait for each further retry (default 2). */
  backoffFactor: number;
  /** Upper bound of any wait, including one asked for by `retry-after` (default 30 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  initialDelayMs: 1000,
  backoffFactor: 2,
  maxDelayMs: 30_000,
};

/** Told before each retry wait; for logging and tests. */
export interface RetryNotice {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: LlmError;
}

/** Waits `ms`, rejecting early when `signal` aborts. Injectable so tests can record or skip waits. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Everything a retry loop needs besides the work itself. */
export interface RetryContext {
  policy: RetryPolicy;
  sleep: Sleep;
  onRetry?: ((notice: RetryNotice) => void) | undefined;
  /** The caller's signal: aborting it cancels a pending wait. */
  abortSignal?: AbortSignal | undefined;
}

/**
 * The wait before retry number `retry` (1-based): the provider's `retry-after` when it sent one, else
 * exponential backoff with ±20% jitter; never more than `maxDelayMs`.
 */
export function retryDelayMs(
  error: LlmError,
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, policy.maxDelayMs);
  const backoff = policy.initialDelayMs * policy.backoffFactor ** (retry - 1);
  const jitter = 0.8 + 0.4 * random();
  return Math.min(Math.round(backoff * jitter), policy.maxDelayMs);
}

/**
 * Decides what to do after attempt `attempt` (1-based) failed with `error`: resolves after the wait when
 * another attempt should be made, or rejects with the final LlmError (recording the retries made).
 */
export async function waitBeforeRetry(
  error: LlmError,
  attempt: number,
  context: RetryContext,
): Promise<void> {
  if (!error.retryable || attempt > context.policy.maxRetries) throw error.withRetries(attempt - 1);
  const delayMs = retryDelayMs(error, attempt, context.policy);
  context.onRetry?.({ retry: attempt, delayMs, error });
  try {
    await context.sleep(delayMs, context.abortSignal);
  } catch (cause) {
    throw new LlmError({
      kind: "cancelled",
      model: error.model,
      detail: `cancelled while waiting to retry (${error.detail})`,
      retries: attempt - 1,
      cause,
    });
  }
}

/** Runs `attempt` until it succeeds or fails for good; every failure is mapped by `toError`. */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  toError: (error: unknown) => LlmError,
  context: RetryContext,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      await waitBeforeRetry(toError(error), attemptNumber, context);
    }
  }
}

/** The real wait: a timer cleared when the signal aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
