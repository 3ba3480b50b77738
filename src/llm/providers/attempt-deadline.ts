import { LlmError } from "./llm-error.js";

/**
 * The abort signal of one attempt: it fires when the caller aborts or when the attempt has been silent
 * for `timeoutMs` (for a stream, `touch()` on every event restarts the clock, so a long but lively
 * stream is never cut while a stalled one is).
 */
export interface AttemptDeadline {
  readonly signal: AbortSignal;
  /** Restarts the silence clock. */
  touch(): void;
  /** Aborts the attempt (the caller stopped listening). */
  abort(): void;
  /** The LlmError describing why the signal fired, or undefined if it has not. */
  failure(): LlmError | undefined;
  /** Clears the timer. */
  dispose(): void;
}

/** Starts the deadline of one attempt of a call to `model`. */
export function startAttemptDeadline(
  model: string,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): AttemptDeadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;

  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
  };
  const onCallerAbort = () => controller.abort(callerSignal?.reason);

  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else {
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    arm();
  }

  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    callerSignal?.removeEventListener("abort", onCallerAbort);
  };

  return {
    signal: controller.signal,
    touch() {
      if (!controller.signal.aborted) arm();
    },
    abort() {
      dispose();
      controller.abort(new DOMException("the caller stopped reading", "AbortError"));
    },
    failure() {
      if (timedOut) {
        return new LlmError({ kind: "timeout", model, detail: `no answer within ${timeoutMs} ms` });
      }
      if (callerSignal?.aborted) {
        return new LlmError({ kind: "cancelled", model, detail: "the request was cancelled" });
      }
      return undefined;
    },
    dispose,
  };
}
