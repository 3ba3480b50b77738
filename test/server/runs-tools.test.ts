import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("runs, steps, messages by id and tools", () => {
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

  it("records each turn as a run with steps, usage and messages", async () => {
    openai.script.push(
      {
        toolCalls: [{ name: "conversation_search", arguments: { query: "x" } }],
        usage: { inputTokens: 100, outputTokens: 10 },
      },
      { text: "Nothing found.", usage: { inputTokens: 120, outputTokens: 5 } },
    );
    const sent = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "search please" });
    const [runId] = sent.body.usage.run_ids;

    const run = await t.call("GET", `/v1/runs/${runId}`);
    expect(run.body).toMatchObject({
      id: runId,
      agent_id: agentId,
      status: "completed",
      stop_reason: "end_turn",
    });
    const listed = await t.call("GET", `/v1/runs/?agent_id=${agentId}&statuses=completed`);
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect((await t.call("GET", `/v1/runs/?agent_id=${agentId}&active=true`)).body).toEqual([]);

    const steps = await t.call("GET", `/v1/runs/${runId}/steps`);
    expect(steps.body.map((s: { prompt_tokens: number }) => s.prompt_tokens)).toEqual([100, 120]);
    const step = await t.call("GET", `/v1/steps/${steps.body[0].id}`);
    expect(step.body).toMatchObject({ run_id: runId, status: "success", completion_tokens: 10 });
    const usage = await t.call("GET", `/v1/runs/${runId}/usage`);
    expect(usage.body).toMatchObject({
      prompt_tokens: 220,
      completion_tokens: 15,
      total_tokens: 235,
      step_count: 2,
    });

    const messages = await t.call("GET", `/v1/runs/${runId}/messages`);
    expect(messages.body.map((m: { message_type: string }) => m.message_type)).toEqual([
      "user_message",
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
    ]);
    const byId = await t.call("GET", `/v1/messages/${messages.body[1].id}`);
    expect(Array.isArray(byId.body)).toBe(true);
    expect(byId.body[0]).toMatchObject({
      message_type: "tool_call_message",
      tool_call: { name: "conversation_search" },
    });

    expect((await t.call("GET", "/v1/runs/run-00000000-0000-4000-8000-999999999999")).status).toBe(404);
    expect((await t.call("GET", "/v1/messages/message-00000000-0000-4000-8000-999999999999")).status).toBe(
      404,
    );
  });

  it("lists tools, attaches and detaches them, and toggles approval with either body spelling", async () => {
    const base = await t.call("POST", "/v1/tools/add-base-tools");
    expect(base.status).toBe(200);
    expect(base.body.map((tool: { name: string }) => tool.name)).toContain("memory_rethink");
    const byName = await t.call("GET", "/v1/tools/?name=memory_rethink");
    expect(byName.body).toHaveLength(1);
    const rethink = byName.body[0];

    const attached = await t.call("PATCH", `/v1/agents/${agentId}/tools/attach/${rethink.id}`);
    expect(attached.body.tools.map((tool: { name: string }) => tool.name)).toContain("memory_rethink");
    const agentTools = await t.call("GET", `/v1/agents/${agentId}/tools`);
    expect(agentTools.body.map((tool: { name: string }) => tool.name)).toContain("memory_rethink");

    const sdkSpelling = await t.call("PATCH", `/v1/agents/${agentId}/tools/approval/memory_rethink`, {
      body_requires_approval: true,
    });
    expect(sdkSpelling.body.tool_rules).toContainEqual({
      type: "requires_approval",
      tool_name: "memory_rethink",
    });
    const oldSpelling = await t.call("PATCH", `/v1/agents/${agentId}/tools/approval/memory_rethink`, {
      requires_approval: false,
    });
    expect(oldSpelling.body.tool_rules).not.toContainEqual({
      type: "requires_approval",
      tool_name: "memory_rethink",
    });
    const unknown = await t.call("PATCH", `/v1/agents/${agentId}/tools/approval/launch_rockets`, {
      requires_approval: true,
    });
    expect(unknown.status).toBe(404);

    const detached = await t.call("PATCH", `/v1/agents/${agentId}/tools/detach/${rethink.id}`);
    expect(detached.body.tools.map((tool: { name: string }) => tool.name)).not.toContain("memory_rethink");
  });
});
