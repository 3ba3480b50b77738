import { describe, expect, it } from "vitest";
import { LlmError } from "./llm-error.js";
import { DEFAULT_RETRY_POLICY, retryDelayMs, withRetries } from "./retry.js";

const serverError = () => new LlmError({ kind: "server", model: "openai/x", detail: "boom", status: 500 });

describe("retryDelayMs", () => {
  it("backs off exponentially with bounded jitter", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 1000, backoffFactor: 2 };
    expect(retryDelayMs(serverError(), 1, policy, () => 0.5)).toBe(1000);
    expect(retryDelayMs(serverError(), 3, policy, () => 0.5)).toBe(4000);
    expect(retryDelayMs(serverError(), 1, policy, () => 0)).toBe(800);
    expect(retryDelayMs(serverError(), 1, policy, () => 1)).toBe(1200);
  });

  it("never waits longer than the cap", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxDelayMs: 5000 };
    expect(retryDelayMs(serverError(), 10, policy)).toBe(5000);
    const limited = new LlmError({
      kind: "rate_limit",
      model: "openai/x",
      detail: "slow",
      retryAfterMs: 60_000,
    });
    expect(retryDelayMs(limited, 1, policy)).toBe(5000);
  });
});

describe("withRetries", () => {
  it("stops at once on an error that is not retryable", async () => {
    let attempts = 0;
    const badRequest = new LlmError({ kind: "bad_request", model: "openai/x", detail: "no" });
    const run = withRetries(
      async () => {
        attempts++;
        throw badRequest;
      },
      (error) => error as LlmError,
      { policy: DEFAULT_RETRY_POLICY, sleep: async () => {} },
    );
    await expect(run).rejects.toBe(badRequest);
    expect(attempts).toBe(1);
  });

  it("turns an abort during the wait into a cancellation", async () => {
    const controller = new AbortController();
    const run = withRetries(
      async () => {
        controller.abort();
        throw serverError();
      },
      (error) => error as LlmError,
      {
        policy: DEFAULT_RETRY_POLICY,
        abortSignal: controller.signal,
        sleep: async (_ms, signal) => {
          if (signal?.aborted) throw signal.reason;
        },
      },
    );
    await expect(run).rejects.toMatchObject({ kind: "cancelled", retries: 0 });
  });
});
