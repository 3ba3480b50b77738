import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import {
  completions,
  expectConsistentWindow,
  type JsonBody,
  storedMessages,
  storedWindow,
  viewTypes,
} from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

type ChatMessage = { role: string; content: string | null; tool_call_id?: string };

const RUN_SHELL = {
  name: "run_shell",
  description: "Runs a shell command on the user's machine.",
  parameters: {
    type: "object",
    properties: { command: { type: "string" } },
    required: ["command"],
  },
};

// Human in the loop: server tools under a `requires_approval` rule and client-side tools pause the turn
// until the caller answers with an approval message.
describeOnEachStore("approvals", (storeKind) => {
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
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
      tool_rules: [{ type: "requires_approval", tool_name: "memory_insert" }],
    });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const post = (body: unknown) => t.call("POST", `/v1/agents/${agentId}/messages`, body);
  const say = (text: string) => post({ messages: [{ role: "user", content: text }] });
  const decide = (approvals: unknown[], extra: Record<string, unknown> = {}) =>
    post({ messages: [{ type: "approval", approvals }], ...extra });
  const humanBlock = async () =>
    (await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`)).body.value as string;

  /** Sends a message the model answers with a memory_insert call; returns the paused response. */
  async function pauseOnMemoryInsert(): Promise<JsonBody> {
    openai.script.push({
      toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Likes chess." } }],
    });
    const paused = await say("I like chess.");
    expect(paused.status).toBe(200);
    return paused.body;
  }

  it("pauses on a tool that requires approval and refuses plain messages meanwhile", async () => {
    const paused = await pauseOnMemoryInsert();
    expect(paused.stop_reason.stop_reason).toBe("requires_approval");
    expect(viewTypes(paused.messages)).toEqual(["approval_request_message"]);
    const request = paused.messages[0];
    expect(request.tool_call).toMatchObject({ name: "memory_insert" });
    expect(JSON.parse(request.tool_call.arguments)).toEqual({ label: "human", new_string: "Likes chess." });
    // Not executed yet.
    expect(await humanBlock()).toBe("Name: Ada");
    const run = await t.store.runs.get(paused.usage.run_ids[0]);
    expect(run).toMatchObject({ status: "completed", stop_reason: "requires_approval" });

    const before = (await storedMessages(t.store, agentId)).length;
    const refused = await say("Hello? Anyone?");
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("waiting for approval");
    expect(refused.body.pending_request_id).toBe(request.id);
    expect(await storedMessages(t.store, agentId)).toHaveLength(before);
    expect(completions(openai)).toHaveLength(1);
  });

  it("executes an approved call, then continues the turn to its end", async () => {
    const paused = await pauseOnMemoryInsert();
    const callId: string = paused.messages[0].tool_call.tool_call_id;
    openai.script.push({ text: "Noted that you like chess." });
    const resumed = await decide([{ type: "approval", tool_call_id: callId, approve: true }]);
    expect(resumed.status).toBe(200);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect(viewTypes(resumed.body.messages)).toEqual(["tool_return_message", "assistant_message"]);
    expect(resumed.body.messages[0]).toMatchObject({ tool_call_id: callId, status: "success" });
    expect(await humanBlock()).toBe("Name: Ada\nLikes chess.");

    // The model saw its call answered by the tool's result.
    const last = completions(openai).at(-1)?.body as { messages: ChatMessage[] };
    const toolMessage = last.messages.find((message) => message.role === "tool");
    expect(toolMessage?.tool_call_id).toBe(callId);
    expect(JSON.parse(toolMessage?.content ?? "")).toMatchObject({ status: "OK" });
    const window = await expectConsistentWindow(t.store, agentId);
    expect(window.map((message) => message.role)).toEqual([
      "system",
      "user",
      "approval",
      "approval",
      "tool",
      "assistant",
    ]);
    // The history shows the request and the decision.
    const history = await t.call("GET", `/v1/agents/${agentId}/messages?order=asc`);
    expect(viewTypes(history.body)).toEqual([
      "system_message",
      "user_message",
      "approval_request_message",
      "approval_response_message",
      "tool_return_message",
      "assistant_message",
    ]);

    // Plain messages are accepted again.
    openai.script.push({ text: "Hi." });
    expect((await say("Hi")).status).toBe(200);
  });

  it("gives the model a denial with the user's reason as an error result", async () => {
    const paused = await pauseOnMemoryInsert();
    const callId: string = paused.messages[0].tool_call.tool_call_id;
    openai.script.push({ text: "Understood, I will not remember that." });
    const resumed = await decide([
      { type: "approval", tool_call_id: callId, approve: false, reason: "keep my hobbies private" },
    ]);
    expect(resumed.status).toBe(200);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    const toolReturn = resumed.body.messages[0];
    expect(toolReturn).toMatchObject({ message_type: "tool_return_message", status: "error" });
    expect(toolReturn.tool_return).toContain("keep my hobbies private");
    expect(await humanBlock()).toBe("Name: Ada");

    const last = completions(openai).at(-1)?.body as { messages: ChatMessage[] };
    const toolMessage = last.messages.find((message) => message.role === "tool");
    expect(toolMessage?.tool_call_id).toBe(callId);
    const seen = JSON.parse(toolMessage?.content ?? "");
    expect(seen.status).toBe("Failed");
    expect(seen.message).toContain("denied");
    expect(seen.message).toContain("keep my hobbies private");
    await expectConsistentWindow(t.store, agentId);
  });

  it("accepts the legacy approve/approval_request_id form", async () => {
    const paused = await pauseOnMemoryInsert();
    openai.script.push({ text: "Done." });
    const resumed = await post({
      messages: [{ type: "approval", approve: true, approval_request_id: paused.messages[0].id }],
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect(await humanBlock()).toBe("Name: Ada\nLikes chess.");
  });

  it("answers a legacy denial with one error result for the real call id", async () => {
    const paused = await pauseOnMemoryInsert();
    const callId: string = paused.messages[0].tool_call.tool_call_id;
    openai.script.push({ text: "Fine." });
    const resumed = await post({
      messages: [
        { type: "approval", approve: false, approval_request_id: paused.messages[0].id, reason: "no" },
      ],
    });
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    const history = await t.call("GET", `/v1/agents/${agentId}/messages?order=asc`);
    const response = history.body.find(
      (m: { message_type: string }) => m.message_type === "approval_response_message",
    );
    expect(response).toMatchObject({ approve: false, reason: "no" });
    expect(response.approvals).toEqual([
      { type: "approval", tool_call_id: callId, approve: false, reason: "no" },
    ]);
    // The model sees its one call answered once, by its real id.
    openai.script.push({ text: "Still fine." });
    await say("ok");
    const last = completions(openai).at(-1)?.body as { messages: ChatMessage[] };
    expect(last.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id)).toEqual([callId]);
    expect(await humanBlock()).toBe("Name: Ada");
  });

  it("pauses on a client tool and continues with the client's result", async () => {
    openai.script.push({ toolCalls: [{ name: "run_shell", arguments: { command: "ls" } }] });
    const paused = await post({
      messages: [{ role: "user", content: "What files do I have?" }],
      client_tools: [RUN_SHELL],
    });
    expect(paused.status).toBe(200);
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    expect(viewTypes(paused.body.messages)).toEqual(["approval_request_message"]);
    expect(paused.body.messages[0].tool_call).toMatchObject({ name: "run_shell" });
    const callId: string = paused.body.messages[0].tool_call.tool_call_id;
    // The model was offered the client's tool with its schema.
    const first = completions(openai)[0]?.body as {
      tools: Array<{ function: { name: string; parameters: unknown } }>;
    };
    expect(first.tools.find((tool) => tool.function.name === "run_shell")?.function.parameters).toEqual(
      RUN_SHELL.parameters,
    );

    openai.script.push({ text: "You have one file: notes.txt." });
    const resumed = await decide(
      [{ type: "tool", tool_call_id: callId, tool_return: "notes.txt", status: "success" }],
      { client_tools: [RUN_SHELL] },
    );
    expect(resumed.status).toBe(200);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect(viewTypes(resumed.body.messages)).toEqual(["tool_return_message", "assistant_message"]);
    expect(resumed.body.messages[0]).toMatchObject({
      tool_call_id: callId,
      status: "success",
      tool_return: "notes.txt",
    });
    const last = completions(openai).at(-1)?.body as { messages: ChatMessage[] };
    const toolMessage = last.messages.find((message) => message.role === "tool");
    expect(toolMessage).toMatchObject({ tool_call_id: callId });
    expect(toolMessage?.content).toContain("notes.txt");
    await expectConsistentWindow(t.store, agentId);
  });

  it("runs the free calls of a parallel reply at once and holds only the one needing approval", async () => {
    openai.script.push({
      toolCalls: [
        { name: "conversation_search", arguments: { query: "chess" } },
        { name: "memory_insert", arguments: { label: "human", new_string: "Likes chess." } },
      ],
    });
    const paused = await say("Do you know I like chess?");
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    expect(viewTypes(paused.body.messages)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "approval_request_message",
    ]);
    expect(paused.body.messages[0].tool_call.name).toBe("conversation_search");
    expect(paused.body.messages[2].tool_call.name).toBe("memory_insert");
    await expectConsistentWindow(t.store, agentId);

    openai.script.push({ text: "Now I know." });
    const resumed = await decide([
      { type: "approval", tool_call_id: paused.body.messages[2].tool_call.tool_call_id, approve: true },
    ]);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect(await humanBlock()).toBe("Name: Ada\nLikes chess.");
    // Every call the model made is answered, each by its own id.
    const last = completions(openai).at(-1)?.body as {
      messages: Array<ChatMessage & { tool_calls?: Array<{ id: string }> }>;
    };
    const callIds = last.messages.flatMap((message) => (message.tool_calls ?? []).map((call) => call.id));
    const resultIds = last.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id);
    expect(callIds).toHaveLength(2);
    expect(resultIds).toEqual(callIds);
    await expectConsistentWindow(t.store, agentId);
  });

  it("ends the turn after an approved call to a terminal tool, without asking the model again", async () => {
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
      tool_rules: [
        { type: "requires_approval", tool_name: "memory_insert" },
        { type: "exit_loop", tool_name: "memory_insert" },
      ],
    });
    agentId = created.body.id;
    const paused = await pauseOnMemoryInsert();
    const resumed = await decide([
      { type: "approval", tool_call_id: paused.messages[0].tool_call.tool_call_id, approve: true },
    ]);
    expect(resumed.body.stop_reason.stop_reason).toBe("tool_rule");
    expect(viewTypes(resumed.body.messages)).toEqual(["tool_return_message"]);
    expect(completions(openai)).toHaveLength(1);
    expect(await humanBlock()).toBe("Name: Ada\nLikes chess.");
  });

  it("refuses approvals for unknown tool call ids with a 4xx and writes nothing", async () => {
    // Nothing pending at all.
    const early = await decide([{ type: "approval", tool_call_id: "call_nope", approve: true }]);
    expect(early.status).toBeGreaterThanOrEqual(400);
    expect(early.status).toBeLessThan(500);
    expect(early.body.detail).toMatch(/tool call/i);

    const paused = await pauseOnMemoryInsert();
    const callId: string = paused.messages[0].tool_call.tool_call_id;
    const messagesBefore = await storedMessages(t.store, agentId);
    const windowBefore = await storedWindow(t.store, agentId);
    const runsBefore = await t.store.runs.list({ agent_id: agentId, limit: 100 });

    const wrong = await decide([{ type: "approval", tool_call_id: "call_unknown", approve: true }]);
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.status).toBeLessThan(500);
    expect(wrong.body.detail).toContain("call_unknown");
    const extra = await decide([
      { type: "approval", tool_call_id: callId, approve: true },
      { type: "approval", tool_call_id: "call_unknown", approve: true },
    ]);
    expect(extra.status).toBeGreaterThanOrEqual(400);
    expect(extra.status).toBeLessThan(500);
    const legacy = await post({
      messages: [{ type: "approval", approve: true, approval_request_id: "message-not-pending" }],
    });
    expect(legacy.status).toBeGreaterThanOrEqual(400);
    expect(legacy.status).toBeLessThan(500);

    expect(await storedMessages(t.store, agentId)).toEqual(messagesBefore);
    expect((await storedWindow(t.store, agentId)).map((m) => m.id)).toEqual(windowBefore.map((m) => m.id));
    expect(await t.store.runs.list({ agent_id: agentId, limit: 100 })).toEqual(runsBefore);
    expect(await humanBlock()).toBe("Name: Ada");
    expect(completions(openai)).toHaveLength(1);

    // The request is still pending and can be answered properly.
    openai.script.push({ text: "Saved." });
    const resumed = await decide([{ type: "approval", tool_call_id: callId, approve: true }]);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    // Answering twice is refused: nothing is pending any more.
    const again = await decide([{ type: "approval", tool_call_id: callId, approve: true }]);
    expect(again.status).toBe(409);
    expect(await humanBlock()).toBe("Name: Ada\nLikes chess.");
  });
});
