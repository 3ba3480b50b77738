import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import type { RetryNotice } from "../../src/llm/providers/retry.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, expectConsistentWindow, storedMessages, viewTypes } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// Provider failures inside a turn: transient ones are retried, persistent ones end the turn with
// `llm_api_error` and leave the agent usable.
describeOnEachStore("LLM failures during a turn", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;
  let retries: RetryNotice[];

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    retries = [];
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      retry: { maxRetries: 2, initialDelayMs: 10 },
      onRetry: (notice) => retries.push(notice),
    });
    const created = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });

  it("retries a 429 after the provider's retry-after and finishes the turn", async () => {
    openai.script.failNext({ fault: "rate-limit", retryAfterSeconds: 1 });
    openai.script.push({ text: "Sorry for the wait." });
    const response = await send("Are you there?");
    expect(response.status).toBe(200);
    expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    expect(response.body.messages).toMatchObject([
      { message_type: "assistant_message", content: "Sorry for the wait." },
    ]);
    expect(completions(openai)).toHaveLength(2);
    expect(retries.map((notice) => [notice.error.kind, notice.delayMs])).toEqual([["rate_limit", 1000]]);
    // The retry is inside one step: one step, one run, completed.
    expect(response.body.usage.step_count).toBe(1);
    const run = await t.store.runs.get(response.body.usage.run_ids[0]);
    expect(run).toMatchObject({ status: "completed", stop_reason: "end_turn" });
  });

  it("ends the turn with llm_api_error on a persistent 500, records why, and answers afterwards", async () => {
    openai.script.respondWith(() => ({ fault: "server-error", message: "the upstream model is on fire" }));
    const failed = await send("Hello?");
    expect(failed.status).toBe(200);
    expect(failed.body.stop_reason.stop_reason).toBe("llm_api_error");
    // The answer says why, as Letta's stream does: an error_message naming the run.
    expect(failed.body.messages).toEqual([
      {
        message_type: "error_message",
        run_id: failed.body.usage.run_ids[0],
        error_type: "llm_server",
        message: expect.stringContaining("the upstream model is on fire"),
        detail: expect.stringContaining("the upstream model is on fire"),
      },
    ]);
    expect(failed.body.messages[0].message).toContain("openai/gpt-4o-mini");
    // The log has the provider's own words, with the agent and the run.
    const logged = t.logLines.filter((line) => line.message === "llm call failed");
    expect(logged).toEqual([
      {
        level: "error",
        message: "llm call failed",
        fields: expect.objectContaining({
          agent_id: agentId,
          run_id: failed.body.usage.run_ids[0],
          provider: "openai",
          model: "openai/gpt-4o-mini",
          status: 500,
          kind: "server",
          retries: 2,
          provider_message: expect.stringContaining("the upstream model is on fire"),
        }),
      },
    ]);
    // First attempt plus two retries.
    expect(completions(openai)).toHaveLength(3);
    expect(retries.map((notice) => notice.error.kind)).toEqual(["server", "server"]);

    const runId: string = failed.body.usage.run_ids[0];
    const run = await t.store.runs.get(runId);
    expect(run).toMatchObject({ status: "failed", stop_reason: "llm_api_error" });
    const metadata = run?.metadata as
      | { error: { error_type: string; message: string; retryable: boolean } }
      | undefined;
    const error = metadata?.error;
    expect(error).toBeDefined();
    if (!error) return;
    expect(error.error_type).toBe("llm_server");
    expect(error.message).toContain("openai/gpt-4o-mini");
    expect(error.message).toContain("500");
    expect(error.message).toContain("the upstream model is on fire");
    expect(error.retryable).toBe(true);
    const steps = await t.store.steps.list({ run_id: runId, limit: 10 });
    expect(steps).toMatchObject([{ status: "failed", stop_reason: "llm_api_error", error_type: "server" }]);
    const agent = await t.call("GET", `/v1/agents/${agentId}`);
    expect(agent.body.last_stop_reason).toBe("llm_api_error");

    // The user's words were kept; nothing else was written for the failed turn.
    const kept = await storedMessages(t.store, agentId);
    expect(kept.map((message) => message.role)).toEqual(["system", "user"]);

    openai.script.respondWith(undefined);
    openai.script.push({ text: "I am back." });
    const next = await send("Hello again?");
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
    expect(viewTypes(next.body.messages)).toEqual(["assistant_message"]);
    // The model sees both user messages: the failed turn's input is part of the history.
    const last = completions(openai).at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    expect(last.messages.map((message) => message.role)).toEqual(["system", "user", "user"]);
    await expectConsistentWindow(t.store, agentId);
  });

  it("fails a turn whose LLM call fails after a tool step without leaving the window torn", async () => {
    openai.script.push({
      toolCalls: [{ name: "memory_insert", arguments: { label: "notes", new_string: "x" } }],
    });
    openai.script.respondWith(() => ({ fault: "server-error" }));
    const response = await send("Write a note, then answer.");
    // The tool step committed; the next step's call failed for good.
    expect(response.body.stop_reason.stop_reason).toBe("llm_api_error");
    expect(viewTypes(response.body.messages)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "error_message",
    ]);
    const window = await expectConsistentWindow(t.store, agentId);
    expect(window.map((message) => message.role)).toEqual(["system", "user", "assistant", "tool"]);

    openai.script.respondWith(undefined);
    openai.script.push({ text: "Recovered." });
    const next = await send("Still there?");
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
  });
});
