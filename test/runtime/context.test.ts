import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type JsonBody, storedMessages, storedWindow } from "../helpers/agent-turns.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// GET /v1/agents/{id}/context: Letta's ContextWindowOverview, computed from the stored window.
describe("the context window overview", () => {
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
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      context_window_limit: 8000,
      memory_blocks: [
        { label: "human", value: "Name: Ada. Grows tomatoes." },
        { label: "persona", value: "I am a helpful assistant." },
      ],
      tool_rules: [{ type: "exit_loop", tool_name: "memory_insert" }],
    });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });

  function sections(overview: JsonBody): number {
    return (
      overview.num_tokens_system +
      overview.num_tokens_core_memory +
      overview.num_tokens_external_memory_summary +
      overview.num_tokens_tool_usage_rules +
      overview.num_tokens_directories +
      overview.num_tokens_memory_filesystem +
      overview.num_tokens_summary_memory +
      overview.num_tokens_messages +
      overview.num_tokens_functions_definitions
    );
  }

  it("adds up its sections and matches the window, the recall and the tools", async () => {
    const fresh = await t.call("GET", `/v1/agents/${agentId}/context`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.context_window_size_max).toBe(8000);
    expect(fresh.body.num_messages).toBe((await storedWindow(t.store, agentId)).length);
    expect(fresh.body.summary_memory).toBeNull();
    expect(sections(fresh.body)).toBe(fresh.body.context_window_size_current);

    openai.script.push(
      { text: "Hello Ada!" },
      { text: "Tomatoes like sun." },
      { text: "Summary: Ada grows tomatoes." },
    );
    await send("Hi, I am Ada.");
    await send("How do I grow tomatoes?");
    const before = await t.call("GET", `/v1/agents/${agentId}/context`);
    expect(before.body.context_window_size_current).toBeGreaterThan(fresh.body.context_window_size_current);
    expect(before.body.num_tokens_messages).toBeGreaterThan(fresh.body.num_tokens_messages);

    const summarized = await t.call("POST", `/v1/agents/${agentId}/summarize`);
    expect(summarized.status).toBe(200);
    const overview = (await t.call("GET", `/v1/agents/${agentId}/context`)).body;
    const window = await storedWindow(t.store, agentId);
    expect(overview.num_messages).toBe(window.length);
    expect(overview.messages.map((message: { id: string }) => message.id)).toEqual(window.map((m) => m.id));
    expect(overview.num_recall_memory).toBe((await storedMessages(t.store, agentId)).length);
    expect(overview.num_archival_memory).toBe(0);
    expect(sections(overview)).toBe(overview.context_window_size_current);
    expect(overview.context_window_size_current).toBeLessThan(8000);

    // The sections are the parts of the system prompt.
    expect(overview.system_prompt).toBe((window[0]!.content[0] as { text: string }).text);
    expect(overview.core_memory).toMatch(
      /^<memory_blocks>[\s\S]*Name: Ada\. Grows tomatoes\.[\s\S]*<\/memory_blocks>$/,
    );
    expect(overview.external_memory_summary).toMatch(/^<memory_metadata>[\s\S]*<\/memory_metadata>$/);
    expect(overview.external_memory_summary).toContain(
      `- ${overview.num_recall_memory - window.length} previous messages`,
    );
    expect(overview.tool_usage_rules).toContain("memory_insert");
    expect(overview.num_tokens_tool_usage_rules).toBeGreaterThan(0);
    expect(overview.summary_memory).toContain("Summary: Ada grows tomatoes.");
    expect(overview.num_tokens_summary_memory).toBeGreaterThan(0);
    const agent = await t.call("GET", `/v1/agents/${agentId}`);
    expect(
      overview.functions_definitions.map((tool: { function: { name: string } }) => tool.function.name).sort(),
    ).toEqual(agent.body.tools.map((tool: { name: string }) => tool.name).sort());
    expect(overview.num_tokens_functions_definitions).toBeGreaterThan(100);
  });

  it("reads without writing, and answers 404 for an unknown agent", async () => {
    openai.script.push({ text: "Hello!" });
    await send("Hi");
    const agentBefore = await t.store.agents.get(agentId);
    const messagesBefore = await storedMessages(t.store, agentId);
    await t.call("GET", `/v1/agents/${agentId}/context`);
    expect(await t.store.agents.get(agentId)).toEqual(agentBefore);
    expect(await storedMessages(t.store, agentId)).toEqual(messagesBefore);

    const missing = await t.call("GET", "/v1/agents/agent-00000000-0000-4000-8000-00000000ffff/context");
    expect(missing.status).toBe(404);
  });
});
