import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import {
  completions,
  expectConsistentWindow,
  type JsonBody,
  storedMessages,
  viewTypes,
} from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// Invariant 2: one agent runs one turn at a time; concurrent requests get Letta's 409, and nothing is
// lost or written twice.
describeOnEachStore("concurrent sends to one agent", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: unknown" }],
    });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });

  it("runs exactly one of ten simultaneous sends and refuses the other nine with 409", async () => {
    openai.script.push({ text: "Only one of you got through.", delayMs: 300 });
    const texts = Array.from({ length: 10 }, (_, index) => `burst message ${index}`);
    const responses = await Promise.all(texts.map((text) => send(text)));

    const ok = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 409);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(9);
    const winner = ok[0]?.body as JsonBody;
    expect(winner.stop_reason.stop_reason).toBe("end_turn");
    expect(winner.messages).toMatchObject([
      { message_type: "assistant_message", content: "Only one of you got through." },
    ]);
    const runId: string = winner.usage.run_ids[0];
    for (const response of refused) {
      expect(response.body.detail).toContain("is currently being processed");
      expect(response.body.detail).toContain(agentId);
      expect(response.body.detail).toContain(runId);
    }
    // The model was called once: the refused requests never reached it.
    expect(completions(openai)).toHaveLength(1);

    // The store holds exactly the winner's input and reply; the refused requests wrote nothing.
    const winnerText = texts[responses.indexOf(ok[0] as (typeof responses)[number])];
    const messages = await storedMessages(t.store, agentId);
    const users = messages.filter((message) => message.role === "user");
    const assistants = messages.filter((message) => message.role === "assistant");
    expect(users.map((message) => message.content)).toEqual([[{ type: "text", text: winnerText }]]);
    expect(assistants).toHaveLength(1);
    expect(assistants[0]?.run_id).toBe(runId);
    const runs = await t.store.runs.list({ agent_id: agentId, limit: 100 });
    expect(runs.map((run) => [run.id, run.status, run.stop_reason])).toEqual([
      [runId, "completed", "end_turn"],
    ]);
    const window = await expectConsistentWindow(t.store, agentId);
    expect(window.map((message) => message.role)).toEqual(["system", "user", "assistant"]);

    // The agent is free again and answers the next message normally.
    openai.script.push({ text: "Next answer." });
    const next = await send("and now?");
    expect(next.status).toBe(200);
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
    expect(viewTypes(next.body.messages)).toEqual(["assistant_message"]);
    const after = await expectConsistentWindow(t.store, agentId);
    expect(after.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    // The model saw the burst's one exchange, then the new message.
    const lastRequest = completions(openai)[1]?.body as { messages: Array<{ role: string }> };
    expect(lastRequest.messages.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
    ]);
  });

  it("keeps turns of different agents independent", async () => {
    const other = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    openai.script.respondWith(() => ({ text: "parallel reply", delayMs: 200 }));
    const [first, second] = await Promise.all([
      send("hello from one"),
      t.call("POST", `/v1/agents/${other.body.id}/messages`, { input: "hello from two" }),
    ]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(completions(openai)).toHaveLength(2);
    await expectConsistentWindow(t.store, agentId);
    await expectConsistentWindow(t.store, other.body.id);
  });
});
