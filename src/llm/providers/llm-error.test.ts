import { APICallError } from "ai";
import { describe, expect, it } from "vitest";
import { LlmError, retryAfterMs, toLlmError } from "./llm-error.js";

const MODEL = "openai/gpt-4o-mini";

function apiError(statusCode: number | undefined, message: string, headers: Record<string, string> = {}) {
  return new APICallError({
    message,
    url: "http://127.0.0.1/v1/chat/completions",
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: "{}",
  });
}

describe("toLlmError", () => {
  it.each([
    [429, "slow down", "rate_limit", true],
    [401, "bad key", "auth", false],
    [403, "no access", "auth", false],
    [400, "This model's maximum context length is 8192 tokens", "context_window_exceeded", false],
    [400, "prompt is too long: 210000 tokens > 200000 maximum", "context_window_exceeded", false],
    [413, "request too large", "context_window_exceeded", false],
    [400, "invalid 'tools[0].name'", "bad_request", false],
    [404, "model not found", "bad_request", false],
    [408, "request timeout", "timeout", true],
    [500, "boom", "server", true],
    [503, "unavailable", "server", true],
    [529, "Overloaded", "server", true],
  ] as const)("maps HTTP %i (%s) to %s", (status, message, kind, retryable) => {
    const error = toLlmError(apiError(status, message), MODEL);
    expect(error).toMatchObject({ kind, retryable, httpStatus: status });
    expect(error.message).toContain(message);
    expect(error.message.startsWith(`${MODEL}: `)).toBe(true);
  });

  it("keeps the retry-after of a rate limit", () => {
    expect(toLlmError(apiError(429, "slow", { "retry-after": "3" }), MODEL).retryAfterMs).toBe(3000);
  });

  it("maps refused connections and broken bodies to connection errors", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    expect(toLlmError(refused, MODEL)).toMatchObject({ kind: "connection", retryable: true });
    expect(toLlmError(apiError(undefined, "Cannot connect to API"), MODEL).kind).toBe("connection");
  });

  it("passes an LlmError through and records retries in its message", () => {
    const original = new LlmError({ kind: "server", model: MODEL, detail: "boom", status: 502 });
    expect(toLlmError(original, MODEL)).toBe(original);
    expect(original.withRetries(1).message).toBe(`${MODEL}: server error (502) after 1 retry: boom`);
    expect(original.code).toBe("llm_error");
  });
});

describe("retryAfterMs", () => {
  it("reads milliseconds, seconds and HTTP dates", () => {
    expect(retryAfterMs({ "retry-after-ms": "250", "retry-after": "9" })).toBe(250);
    expect(retryAfterMs({ "Retry-After": "2" })).toBe(2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, now)).toBe(5000);
    expect(retryAfterMs({ "retry-after": "soon" })).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
