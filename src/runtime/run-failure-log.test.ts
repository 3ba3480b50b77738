import { describe, expect, it } from "vitest";
import type { Log } from "../domain/index.js";
import { LlmError } from "../llm/providers/llm-error.js";
import { logRunFailure, redactCredentials } from "./run-failure-log.js";

function capture(): { log: Log; lines: Array<{ message: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const push = (fields: Record<string, unknown>, message: string) => lines.push({ message, fields });
  return { log: { debug: push, info: push, warn: push, error: push }, lines };
}

describe("run failure log", () => {
  it("masks API keys and bearer tokens a provider quotes back", () => {
    expect(redactCredentials("Incorrect API key provided: sk-proj-AbCdEf1234567890xyz. See docs")).toBe(
      "Incorrect API key provided: [redacted]. See docs",
    );
    expect(redactCredentials("header was Authorization: Bearer abc.def-123456789")).toBe(
      "header was Authorization: Bearer [redacted]",
    );
    expect(redactCredentials("key=AIzaSyA1234567890abcdefghijklmnop")).toBe("key=[redacted]");
    expect(redactCredentials("the model is overloaded (sk- is a prefix)")).toBe(
      "the model is overloaded (sk- is a prefix)",
    );
  });

  it("logs an LLM failure with the provider's message, masked, and the agent and run", () => {
    const { log, lines } = capture();
    const failure = new LlmError({
      kind: "auth",
      model: "anthropic/claude-sonnet-4",
      status: 401,
      detail: "invalid x-api-key sk-ant-api03-SECRETSECRETSECRET",
    });
    logRunFailure(log, { agentId: "agent-1", runId: "run-1", stopReason: "llm_api_error", failure });
    expect(lines).toEqual([
      {
        message: "llm call failed",
        fields: {
          agent_id: "agent-1",
          run_id: "run-1",
          stop_reason: "llm_api_error",
          provider: "anthropic",
          model: "anthropic/claude-sonnet-4",
          status: 401,
          kind: "auth",
          retries: 0,
          provider_message: "invalid x-api-key [redacted]",
        },
      },
    ]);
  });

  it("logs any other failure with its stack", () => {
    const { log, lines } = capture();
    logRunFailure(log, { agentId: "a", runId: "r", stopReason: "error", failure: new Error("disk full") });
    expect(lines[0]?.message).toBe("run failed");
    expect(String(lines[0]?.fields.error)).toMatch(/^Error: disk full\n\s+at /);
  });
});
