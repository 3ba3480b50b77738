import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { NewMessage } from "../../src/domain/index.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

type View = { id: string; message_type: string; content?: unknown };

/** A stored user message of the given conversation (null: the agent's default window). */
function userMessage(id: string, agentId: string, conversationId: string | null, text: string): NewMessage {
  return {
    id,
    agent_id: agentId,
    conversation_id: conversationId,
    role: "user",
    content: [{ type: "text", text }],
    name: null,
    tool_calls: null,
    tool_call_id: null,
    tool_returns: null,
    approvals: null,
    otid: null,
    sender_id: null,
    group_id: null,
    run_id: null,
    step_id: null,
    model: null,
    is_err: null,
    created_at: new Date().toISOString(),
  };
}

describe("conversations", () => {
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
    t = await createTestApp({ providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } } });
    agentId = (await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", memory_blocks: [] })).body
      .id;
  });
  afterEach(async () => {
    await t.close();
  });

  const create = async (body: object = {}) =>
    (await t.call("POST", `/v1/conversations/?agent_id=${agentId}`, body)).body;

  /** A turn in the conversation, answered by the fake model. */
  async function turn(conversationId: string, text: string, reply: string) {
    openai.script.push({ text: reply });
    await t.services.loop.runTurn({ agentId, conversationId, messages: [{ role: "user", content: text }] });
  }

  it("creates a conversation with its own window, then reads, updates, archives and deletes it", async () => {
    const created = await t.call("POST", `/v1/conversations?agent_id=${agentId}`, { summary: "Gardening" });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ agent_id: agentId, summary: "Gardening", archived: false });
    expect(created.body.id).toMatch(/^conv-/);
    const [systemId] = created.body.in_context_message_ids;
    expect(created.body.in_context_message_ids).toHaveLength(1);
    const system = (await t.store.messages.get(systemId))!;
    expect(system).toMatchObject({ role: "system", conversation_id: created.body.id });

    const id = created.body.id;
    expect((await t.call("GET", `/v1/conversations/${id}`)).body).toEqual(created.body);
    const patched = await t.call("PATCH", `/v1/conversations/${id}`, { description: "d", archived: true });
    expect(patched.body).toMatchObject({ description: "d", archived: true, summary: "Gardening" });
    expect(patched.body.archived_at).not.toBeNull();
    expect((await t.call("GET", `/v1/conversations/?agent_id=${agentId}`)).body).toEqual([]);
    const archived = await t.call("GET", `/v1/conversations/?agent_id=${agentId}&archive_status=archived`);
    expect(archived.body.map((c: { id: string }) => c.id)).toEqual([id]);

    expect((await t.call("DELETE", `/v1/conversations/${id}`)).status).toBe(200);
    expect((await t.call("GET", `/v1/conversations/${id}`)).status).toBe(404);
    // The conversation's messages stay in recall.
    expect(await t.store.messages.get(systemId)).toBeDefined();
  });

  it("pages the list with after until an empty page, in either order, and filters by summary", async () => {
    const ids: string[] = [];
    for (const summary of ["alpha", "beta", "gamma", "delta", "epsilon"])
      ids.push((await create({ summary })).id);
    const seen: string[] = [];
    for (let after: string | undefined, page = 0; page < 10; page++) {
      const query = `agent_id=${agentId}&limit=2&order=asc${after ? `&after=${after}` : ""}`;
      const body: Array<{ id: string }> = (await t.call("GET", `/v1/conversations/?${query}`)).body;
      if (body.length === 0) break;
      seen.push(...body.map((c) => c.id));
      after = body.at(-1)!.id;
    }
    expect(seen).toEqual(ids);
    const newest = await t.call("GET", `/v1/conversations/?agent_id=${agentId}&limit=2`);
    expect(newest.body.map((c: { id: string }) => c.id)).toEqual([ids[4], ids[3]]);
    const found = await t.call("GET", `/v1/conversations/?agent_id=${agentId}&summary_search=ET`);
    expect(found.body.map((c: { summary: string }) => c.summary).sort()).toEqual(["beta"]);
  });

  it("stamps last_message_at from the latest message and sorts by it on request", async () => {
    const first = await create({ summary: "first" });
    const second = await create({ summary: "second" });
    expect(first.last_message_at).toBeNull();
    await turn(first.id, "hello", "hi");
    const used = (await t.call("GET", `/v1/conversations/${first.id}`)).body;
    expect(used.last_message_at).not.toBeNull();

    const byCreation = await t.call("GET", `/v1/conversations/?agent_id=${agentId}`);
    expect(byCreation.body.map((c: { id: string }) => c.id)).toEqual([second.id, first.id]);
    const byActivity = await t.call("GET", `/v1/conversations/?agent_id=${agentId}&order_by=last_message_at`);
    expect(byActivity.body.map((c: { id: string }) => c.id)).toEqual([first.id, second.id]);
    const next = await t.call(
      "GET",
      `/v1/conversations/?agent_id=${agentId}&order_by=last_message_at&limit=1&after=${first.id}`,
    );
    expect(next.body.map((c: { id: string }) => c.id)).toEqual([second.id]);
  });

  it("serves `default` as a view of the agent's own window", async () => {
    const agent = (await t.call("GET", `/v1/agents/${agentId}`)).body;
    const view = await t.call("GET", `/v1/conversations/default?agent_id=${agentId}`);
    expect(view.body).toMatchObject({ id: "default", agent_id: agentId });
    expect(view.body.in_context_message_ids).toEqual(agent.message_ids);
    expect((await t.call("GET", "/v1/conversations/default")).status).toBe(422);
    expect((await t.call("GET", "/v1/conversations/default?agent_id=agent-nope")).status).toBe(404);
    expect((await t.call("DELETE", "/v1/conversations/default")).status).toBe(400);
  });

  it("keeps each conversation's messages apart from the default window", async () => {
    const conv = await create();
    await turn(conv.id, "hello in conv", "Hi from conv");
    await t.store.messages.append([userMessage("message-default-1", agentId, null, "hello default")]);

    const texts = (views: View[]) =>
      views.filter((v) => v.message_type !== "system_message").map((v) => v.content);
    const inConv = await t.call("GET", `/v1/conversations/${conv.id}/messages?order=asc`);
    expect(texts(inConv.body)).toEqual(["hello in conv", "Hi from conv"]);
    const assistantOnly = await t.call(
      "GET",
      `/v1/conversations/${conv.id}/messages?include_return_message_types=assistant_message`,
    );
    expect(assistantOnly.body.map((v: View) => v.message_type)).toEqual(["assistant_message"]);

    const inDefault = await t.call("GET", `/v1/conversations/default/messages?agent_id=${agentId}&order=asc`);
    expect(texts(inDefault.body)).toEqual(["hello default"]);
    const viaAgent = await t.call("GET", `/v1/agents/${agentId}/messages?conversation_id=default&order=asc`);
    expect(texts(viaAgent.body)).toEqual(["hello default"]);
    const convViaAgent = await t.call(
      "GET",
      `/v1/agents/${agentId}/messages?conversation_id=${conv.id}&order=asc`,
    );
    expect(texts(convViaAgent.body)).toEqual(["hello in conv", "Hi from conv"]);

    const window = (await t.call("GET", `/v1/conversations/${conv.id}`)).body.in_context_message_ids;
    expect(window).toHaveLength(3);
    const agent = (await t.call("GET", `/v1/agents/${agentId}`)).body;
    expect(agent.message_ids).toHaveLength(1);
    const defaultView = await t.call("GET", `/v1/conversations/default?agent_id=${agentId}`);
    expect(defaultView.body.last_message_at).toBe(
      (await t.store.messages.get("message-default-1"))?.created_at,
    );
  });

  it("recompiles a system prompt in place, or only compiles it on a dry run", async () => {
    const conv = await create();
    const systemId = conv.in_context_message_ids[0];
    const textOf = async () => {
      const stored = await t.store.messages.get(systemId);
      return stored?.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    };
    const before = await textOf();
    await t.call("PATCH", `/v1/agents/${agentId}`, { system: "You are Pip. {CORE_MEMORY}" });

    const dry = await t.call("POST", `/v1/conversations/${conv.id}/recompile?dry_run=true`);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatch(/^You are Pip\./);
    expect(await textOf()).toBe(before);

    const real = await t.call("POST", `/v1/conversations/${conv.id}/recompile`, {});
    expect(real.body).toMatch(/^You are Pip\./);
    expect(await textOf()).toBe(real.body);

    const legacyDry = await t.call("POST", `/v1/agents/${agentId}/system-prompt/recompile?dry_run=true`);
    expect(legacyDry.body).toMatch(/^You are Pip\./);
    const agentPrompt = await t.call("POST", `/v1/agents/${agentId}/recompile`);
    expect(agentPrompt.body).toMatch(/^You are Pip\./);
    const agent = (await t.call("GET", `/v1/agents/${agentId}`)).body;
    expect(agent.message_ids).toHaveLength(1);
    const defaultSystem = await t.store.messages.get(agent.message_ids[0]);
    expect(defaultSystem?.content[0]).toMatchObject({ text: agentPrompt.body });
  });

  it("forks a conversation, whole or up to a message", async () => {
    const source = await create({ summary: "source" });
    await turn(source.id, "first", "one");
    await turn(source.id, "second", "two");
    const window: string[] = (await t.call("GET", `/v1/conversations/${source.id}`)).body
      .in_context_message_ids;
    expect(window).toHaveLength(5);

    const whole = await t.call("POST", `/v1/conversations/${source.id}/fork?agent_id=${agentId}`);
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ agent_id: agentId, summary: "source", hidden: false });
    expect(whole.body.id).not.toBe(source.id);
    expect(whole.body.in_context_message_ids).toHaveLength(5);
    const copied = await t.call("GET", `/v1/conversations/${whole.body.id}/messages?order=asc`);
    expect(
      copied.body.filter((v: View) => v.message_type !== "system_message").map((v: View) => v.content),
    ).toEqual(["first", "one", "second", "two"]);

    // The source's runs still list their own messages only.
    const runs = await t.call("GET", `/v1/runs/?agent_id=${agentId}&conversation_id=${source.id}`);
    expect(runs.body).toHaveLength(2);
    for (const run of runs.body) {
      const views = (await t.call("GET", `/v1/runs/${run.id}/messages`)).body;
      expect(
        views.every((v: View & { conversation_id?: string }) => v.conversation_id !== whole.body.id),
      ).toBe(true);
      expect(views).toHaveLength(2);
    }

    const partial = await t.call(
      "POST",
      `/v1/conversations/${source.id}/fork?message_id=${window[2]}&hidden=true`,
    );
    expect(partial.body).toMatchObject({ hidden: true });
    expect(partial.body.in_context_message_ids).toHaveLength(3);
    // The source is untouched.
    expect((await t.call("GET", `/v1/conversations/${source.id}`)).body.in_context_message_ids).toEqual(
      window,
    );

    const count = (await t.store.conversations.list({ agent_id: agentId })).length;
    const missing = await t.call("POST", `/v1/conversations/${source.id}/fork?message_id=message-nope`);
    expect(missing.status).toBe(404);
    expect((await t.store.conversations.list({ agent_id: agentId })).length).toBe(count);
  });

  it("compacts a conversation's window into a summary", async () => {
    const conv = await create();
    for (let i = 0; i < 4; i++) await turn(conv.id, `question ${i}`, `answer ${i}`);
    openai.script.push({ text: "The user asked four questions." });
    const compacted = await t.call("POST", `/v1/conversations/${conv.id}/compact`, {});
    expect(compacted.status).toBe(200);
    expect(compacted.body.summary).toContain("The user asked four questions.");
    expect(compacted.body.num_messages_before).toBe(9);
    expect(compacted.body.num_messages_after).toBeLessThan(9);
    const after = (await t.call("GET", `/v1/conversations/${conv.id}`)).body.in_context_message_ids;
    expect(after).toHaveLength(compacted.body.num_messages_after);
  });

  it("resets the default window to a fresh system message and keeps the history in recall", async () => {
    openai.script.push({ text: "Hello!" });
    await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "hi" });
    const before = (await t.call("GET", `/v1/agents/${agentId}`)).body.message_ids;
    expect(before.length).toBeGreaterThan(1);

    const reset = await t.call("PATCH", `/v1/agents/${agentId}/reset-messages`, {
      add_default_initial_messages: false,
    });
    expect(reset.status).toBe(200);
    expect(reset.body.id).toBe(agentId);
    expect(reset.body.message_ids).toHaveLength(1);
    expect(before).not.toContain(reset.body.message_ids[0]);
    const history = await t.call("GET", `/v1/agents/${agentId}/messages?order=asc`);
    expect(history.body.map((v: View) => v.content)).toContain("hi");
    expect(history.body.map((v: View) => v.content)).toContain("Hello!");
  });

  it("refuses to reset while a turn runs (409)", async () => {
    openai.script.push({ text: "slow", delayMs: 400 });
    const running = t.call("POST", `/v1/agents/${agentId}/messages`, { input: "hi" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await t.call("PATCH", `/v1/agents/${agentId}/reset-messages`, {});
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toContain("is currently being processed");
    expect((await running).status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${agentId}`)).body.message_ids.length).toBeGreaterThan(1);
  });

  it("refuses to delete a conversation while a turn runs in it (409)", async () => {
    const conv = await create();
    openai.script.push({ text: "slow", delayMs: 400 });
    const running = t.services.loop.runTurn({
      agentId,
      conversationId: conv.id,
      messages: [{ role: "user", content: "hi" }],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await t.call("DELETE", `/v1/conversations/${conv.id}`);
    expect(busy.status).toBe(409);
    await running;
    expect((await t.call("GET", `/v1/conversations/${conv.id}`)).status).toBe(200);
  });

  it("rejects unknown agents and conversations without writing anything", async () => {
    const unknownAgent = await t.call("POST", "/v1/conversations/?agent_id=agent-nope", {});
    expect(unknownAgent.status).toBe(404);
    expect((await t.call("POST", "/v1/conversations/", {})).status).toBe(422);
    expect((await t.call("POST", `/v1/conversations/?agent_id=${agentId}`, { hidden: "yes" })).status).toBe(
      422,
    );
    expect(await t.store.conversations.list({})).toEqual([]);

    for (const id of ["conv-00000000-0000-4000-8000-00000000ffff", "not-a-conversation"]) {
      expect((await t.call("GET", `/v1/conversations/${id}`)).status).toBe(404);
      expect((await t.call("PATCH", `/v1/conversations/${id}`, { summary: "x" })).status).toBe(404);
      expect((await t.call("GET", `/v1/conversations/${id}/messages`)).status).toBe(404);
      expect((await t.call("POST", `/v1/conversations/${id}/recompile`)).status).toBe(404);
      expect((await t.call("POST", `/v1/conversations/${id}/fork`)).status).toBe(404);
    }
    const other = await create();
    const wrongAgent = await t.call("GET", `/v1/conversations/${other.id}?agent_id=agent-other`);
    expect(wrongAgent.status).toBe(404);
    expect((await t.call("PATCH", "/v1/agents/agent-nope/reset-messages", {})).status).toBe(404);
    expect((await t.call("POST", "/v1/agents/agent-nope/recompile")).status).toBe(404);
    expect(await t.store.conversations.list({})).toHaveLength(1);
  });
});
