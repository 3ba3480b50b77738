import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SECRET_MASK } from "../../src/runtime/secrets/index.js";
import { createApp } from "../../src/server/app.js";
import {
  type FakeLlmServer,
  type RecordedRequest,
  startFakeAnthropic,
  startFakeOpenAI,
} from "../fake-llm/index.js";
import { completions, expectConsistentWindow, type JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const REFERENCE = new URL("../fixtures/agent-files/", import.meta.url);
const readReference = (name: string) => readFileSync(new URL(name, REFERENCE), "utf8");

/** Posts an agent file as the official client does: multipart, the file in `file`, options as text fields. */
async function importFile(
  t: TestApp,
  text: string,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: JsonBody }> {
  const form = new FormData();
  form.append("file", new File([text], "agent.af", { type: "application/json" }));
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await t.app.request("/v1/agents/import", { method: "POST", body: form, headers });
  return { status: response.status, body: await response.json() };
}

/** How much is stored, to prove a failed import wrote nothing. */
async function storedCounts(t: TestApp) {
  const agents = await t.store.agents.count();
  const blocks = (await t.store.blocks.list({ limit: 10_000 })).length;
  const tools = (await t.store.tools.list({ limit: 10_000 })).length;
  return { agents, blocks, tools };
}

/** The file without the parts that legitimately differ between two exports (its own timestamp). */
function comparable(file: JsonBody): JsonBody {
  const { created_at: _created, ...rest } = file;
  return rest;
}

describeOnEachStore("Agent File import and export", (storeKind) => {
  let openai: FakeLlmServer;
  let anthropic: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    anthropic = await startFakeAnthropic({ models: ["claude-sonnet-4-5-20250929"] });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });
  beforeEach(async () => {
    openai.reset();
    anthropic.reset();
    t = await createTestApp({
      store: storeKind,
      providers: {
        openai: { apiKey: "sk-test", baseUrl: openai.url },
        anthropic: { apiKey: "sk-ant-test", baseUrl: anthropic.url },
      },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  it("imports Letta's double-encoded memgpt_agent.af, chats with its memory, and exports it", async () => {
    const imported = await importFile(t, readReference("memgpt_agent.af"));
    expect(imported.status).toBe(200);
    expect(imported.body.agent_ids).toHaveLength(1);
    const agentId: string = imported.body.agent_ids[0];

    const agent = (await t.call("GET", `/v1/agents/${agentId}`)).body;
    expect(agent.name).toBe("memgpt_agent");
    expect(agent.model).toBe("openai/gpt-4o-mini");
    expect(agent.blocks.map((block: JsonBody) => block.label).sort()).toEqual(["human", "persona"]);
    // The file's core tools are this server's built-ins, not copies.
    const names = agent.tools.map((tool: JsonBody) => tool.name).sort();
    expect(names).toEqual(["conversation_search", "memory_insert", "memory_replace"]);
    const builtin = (await t.call("GET", "/v1/tools/?name=memory_insert")).body[0];
    expect(agent.tools.find((tool: JsonBody) => tool.name === "memory_insert").id).toBe(builtin.id);
    await expectConsistentWindow(t.store, agentId);

    openai.script.push({ text: "Hi Chad! How is the PhD going?" });
    const reply = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Hello, who am I?" });
    expect(reply.status).toBe(200);
    expect(reply.body.messages.at(-1).content).toBe("Hi Chad! How is the PhD going?");
    const system = JSON.stringify((completions(openai).at(-1) as RecordedRequest).body);
    expect(system).toContain("Computer science PhD student at UC Berkeley");

    const exported = await t.call("GET", `/v1/agents/${agentId}/export`);
    expect(exported.status).toBe(200);
    const file = exported.body;
    expect(file.agents).toHaveLength(1);
    expect(file.agents[0].id).toBe("agent-0");
    expect(file.blocks.map((block: JsonBody) => block.label).sort()).toEqual(["human", "persona"]);
    expect(file.agents[0].block_ids).toEqual(file.blocks.map((block: JsonBody) => block.id));
    const texts = file.agents[0].messages.flatMap((message: JsonBody) =>
      message.content.map((part: JsonBody) => part.text ?? ""),
    );
    expect(texts).toContain("Hello, who am I?");
    expect(texts).toContain("Hi Chad! How is the PhD going?");
    // Every reference in the file is file-local.
    const local = /^(agent|block|tool|message|group)-\d+$/;
    const references = [
      ...file.agents.flatMap((entry: JsonBody) => [entry.id, ...entry.block_ids, ...entry.tool_ids]),
      ...file.agents[0].in_context_message_ids,
      ...file.agents[0].messages.flatMap((message: JsonBody) => [message.id, message.agent_id]),
      ...file.blocks.map((block: JsonBody) => block.id),
      ...file.tools.map((tool: JsonBody) => tool.id),
    ];
    for (const reference of references) expect(reference).toMatch(local);
  });

  it("imports deep_research_agent.af with its Python tools and answers through Anthropic", async () => {
    const imported = await importFile(t, readReference("deep_research_agent.af"));
    expect(imported.status).toBe(200);
    const agentId: string = imported.body.agent_ids[0];
    const agent = (await t.call("GET", `/v1/agents/${agentId}`)).body;
    expect(agent.model).toBe("anthropic/claude-sonnet-4-5-20250929");
    expect(agent.blocks.map((block: JsonBody) => block.label).sort()).toEqual([
      "human",
      "persona",
      "research_citations",
      "research_plan",
    ]);
    const plan = agent.tools.find((tool: JsonBody) => tool.name === "create_research_plan");
    expect(plan.tool_type).toBe("custom");
    expect(plan.source_type).toBe("python");
    expect(plan.source_code).toContain("def create_research_plan(agent_state");
    expect(plan.json_schema.parameters.required).toEqual(["research_plan", "topic"]);
    expect(agent.tools.find((tool: JsonBody) => tool.name === "web_search").tool_type).toBe("letta_builtin");

    anthropic.script.push({ text: "What should I research?" });
    const reply = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Help me research." });
    expect(reply.status).toBe(200);
    const request = completions(anthropic).at(-1)?.body as {
      tools: Array<{ name: string }>;
      system: unknown;
    };
    expect(request.tools.map((tool) => tool.name)).toContain("create_research_plan");
    expect(JSON.stringify(request.system)).toContain("Values continuous learning");

    const file = (await t.call("GET", `/v1/agents/${agentId}/export`)).body;
    const exportedPlan = file.tools.find((tool: JsonBody) => tool.name === "create_research_plan");
    expect(exportedPlan.source_code).toBe(plan.source_code);
    expect(exportedPlan.json_schema).toEqual(plan.json_schema);
  });

  it("imports a Letta export whose block is over its limit, keeping the value, and chats with plain-text tool results", async () => {
    const file = JSON.parse(JSON.parse(readReference("memgpt_agent.af")));
    const human = file.blocks.find((block: JsonBody) => block.label === "human");
    human.limit = 100; // Letta exports sometimes hold more than the limit: 298 characters here.
    const length = human.value.length;
    expect(length).toBeGreaterThan(100);
    // Newer Letta exports keep a tool's result as content parts.
    const agent = file.agents[0];
    const base = {
      type: "message",
      agent_id: agent.id,
      model: "gpt-4o-mini",
      created_at: "2025-11-21T03:06:00+00:00",
    };
    agent.messages.push(
      { ...base, id: "message-1", role: "user", content: [{ type: "text", text: "What is in the logs?" }] },
      {
        ...base,
        id: "message-2",
        role: "assistant",
        content: [],
        tool_calls: [
          {
            id: "call_logs",
            type: "function",
            function: { name: "conversation_search", arguments: '{"query":"logs"}' },
          },
        ],
      },
      {
        ...base,
        id: "message-3",
        role: "tool",
        name: "conversation_search",
        tool_call_id: "call_logs",
        content: [],
        tool_returns: [
          {
            tool_call_id: "call_logs",
            status: "success",
            func_response: [
              { type: "text", text: "line one of the logs" },
              { type: "text", text: "line two of the logs" },
            ],
          },
        ],
      },
    );
    agent.in_context_message_ids.push("message-1", "message-2", "message-3");

    const imported = await importFile(t, JSON.stringify(file));
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.notes).toContain(
      `block 'human' (blocks[0]) holds ${length} characters, more than its limit of 100: its value was kept whole and its limit raised to ${length}`,
    );
    expect(imported.body.warnings).toEqual([]);
    const agentId: string = imported.body.agent_ids[0];
    const block = (await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`)).body;
    expect(block).toMatchObject({ value: human.value, limit: length });

    openai.script.push({ text: "Two lines." });
    const reply = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Summarise." });
    expect(reply.status).toBe(200);
    expect(reply.body.messages.at(-1)).toMatchObject({
      message_type: "assistant_message",
      content: "Two lines.",
    });
    const sent = completions(openai).at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    const toolMessage = sent.messages.find((message) => message.role === "tool");
    expect(toolMessage?.content).toBe("line one of the logs\nline two of the logs");
    await expectConsistentWindow(t.store, agentId);
  });

  it("answers client tool results given as content parts to the model as plain text", async () => {
    const created = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    const agentId: string = created.body.id;
    const clientTools = [{ name: "read_file", parameters: { type: "object", properties: {} } }];
    openai.script.push(
      { toolCalls: [{ id: "call_read", name: "read_file", arguments: {} }] },
      { text: "Read it." },
    );
    const paused = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      input: "Read the file.",
      client_tools: clientTools,
    });
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    const answered = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      client_tools: clientTools,
      messages: [
        {
          type: "tool_return",
          tool_returns: [
            {
              tool_call_id: "call_read",
              status: "success",
              tool_return: [
                { type: "text", text: "hello" },
                { type: "text", text: "world" },
              ],
            },
          ],
        },
      ],
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    const sent = completions(openai).at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.find((message) => message.role === "tool")?.content).toBe("hello\nworld");
  });

  it("export, import, export gives the same file, ids aside", async () => {
    const shared = (await t.call("POST", "/v1/blocks/", { label: "team", value: "Shared notes." })).body;
    const created = await t.call("POST", "/v1/agents/", {
      name: "round-trip",
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada", description: "The user", limit: 5000 }],
      block_ids: [shared.id],
      tags: ["a", "b"],
      metadata: { team: "x" },
      tool_rules: [{ type: "max_count_per_step", tool_name: "memory_insert", max_count_limit: 2 }],
    });
    const agentId: string = created.body.id;
    openai.script.push(
      { toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Likes tea." } }] },
      { text: "Noted." },
    );
    await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "I like tea." });

    const first = (await t.call("GET", `/v1/agents/${agentId}/export`)).body;
    const imported = await importFile(t, JSON.stringify(first));
    expect(imported.status).toBe(200);
    const copyId: string = imported.body.agent_ids[0];
    expect(copyId).not.toBe(agentId);
    const second = (await t.call("GET", `/v1/agents/${copyId}/export`)).body;
    expect(comparable(second)).toEqual(comparable(first));
    // The copy has its own rows: editing it leaves the original alone.
    await t.call("PATCH", `/v1/agents/${copyId}/core-memory/blocks/human`, { value: "Name: Bob" });
    expect((await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`)).body.value).toContain(
      "Ada",
    );
  });

  it("exports the whole history on request, and nothing with scrub_messages", async () => {
    const agentId: string = (await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" })).body.id;
    for (const text of ["one", "two"]) {
      openai.script.push({ text: `got ${text}` });
      await t.call("POST", `/v1/agents/${agentId}/messages`, { input: text });
    }
    // Drop the old turn from the window: only the full history still has it.
    const window: string[] = (await t.store.agents.get(agentId))!.message_ids;
    await t.store.agents.update(agentId, { message_ids: [window[0]!, ...window.slice(3)] });
    const textsOf = (file: JsonBody) =>
      file.agents[0].messages.flatMap((message: JsonBody) =>
        message.content.map((part: JsonBody) => part.text),
      );
    const windowOnly = (await t.call("GET", `/v1/agents/${agentId}/export`)).body;
    expect(textsOf(windowOnly)).not.toContain("one");
    const history = (await t.call("POST", `/v1/agents/${agentId}/export`, { include_history: true })).body;
    expect(textsOf(history)).toEqual(expect.arrayContaining(["one", "got one", "two", "got two"]));
    expect(history.agents[0].in_context_message_ids).toHaveLength(window.length - 2);
    const scrubbed = (await t.call("GET", `/v1/agents/${agentId}/export?scrub_messages=true`)).body;
    expect(scrubbed.agents[0].messages).toEqual([]);

    // A conversation's own window instead of the default one.
    const conversation = (await t.call("POST", `/v1/conversations?agent_id=${agentId}`, {})).body;
    openai.script.push({ text: "in the thread" });
    await t.services.loop.runTurn({
      agentId,
      conversationId: conversation.id,
      messages: [{ role: "user", content: "thread question" }],
    });
    const threaded = (await t.call("GET", `/v1/agents/${agentId}/export?conversation_id=${conversation.id}`))
      .body;
    expect(textsOf(threaded)).toContain("thread question");
    expect(textsOf(threaded)).not.toContain("two");
    const unknown = await t.call("GET", `/v1/agents/${agentId}/export?conversation_id=conv-nope`);
    expect(unknown.status).toBe(404);

    // The imported history is searchable recall memory; its window is the file's window.
    const imported = await importFile(t, JSON.stringify(history));
    const copy = await t.store.agents.get(imported.body.agent_ids[0]);
    expect(copy?.message_ids).toHaveLength(window.length - 2);
    expect(await t.store.messages.count({ agent_id: copy!.id })).toBe(history.agents[0].messages.length);
  });

  it("exports a sleep-time agent with its primary and rebuilds the group with shared blocks", async () => {
    const created = await t.call("POST", "/v1/agents/", {
      name: "sleepy",
      model: "openai/gpt-4o-mini",
      enable_sleeptime: true,
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
    });
    expect(created.status).toBe(200);
    const file = (await t.call("GET", `/v1/agents/${created.body.id}/export`)).body;
    expect(file.agents.map((agent: JsonBody) => agent.name)).toEqual(["sleepy", "sleepy-sleeptime"]);
    expect(file.groups).toHaveLength(1);
    expect(file.groups[0].manager_config).toMatchObject({
      manager_type: "sleeptime",
      manager_agent_id: "agent-0",
    });
    expect(file.groups[0].agent_ids).toEqual(["agent-1"]);
    const human = file.blocks.find((block: JsonBody) => block.label === "human");
    expect(file.agents[0].block_ids).toContain(human.id);
    expect(file.agents[1].block_ids).toContain(human.id);
    expect(file.blocks.filter((block: JsonBody) => block.label === "human")).toHaveLength(1);

    const imported = await importFile(t, JSON.stringify(file), { name: "wakeful" });
    expect(imported.status).toBe(200);
    const [primaryId, sleeperId] = imported.body.agent_ids;
    const primary = (await t.call("GET", `/v1/agents/${primaryId}`)).body;
    const sleeper = (await t.call("GET", `/v1/agents/${sleeperId}`)).body;
    expect(primary.name).toBe("wakeful");
    expect(sleeper.name).toBe("wakeful-sleeptime");
    expect(primary.enable_sleeptime).toBe(true);
    expect(primary.managed_group).toMatchObject({ manager_type: "sleeptime", manager_agent_id: primaryId });
    expect(primary.managed_group.agent_ids).toEqual([sleeperId]);
    const primaryHuman = primary.blocks.find((block: JsonBody) => block.label === "human");
    expect(sleeper.blocks.find((block: JsonBody) => block.label === "human").id).toBe(primaryHuman.id);
  });

  it("carries folders and their files' text, processed again on import", async () => {
    const folder = (await t.call("POST", "/v1/folders/", { name: "handbook" })).body;
    const form = new FormData();
    form.append("file", new File(["# Tea\n\nGreen tea is brewed at 80 degrees."], "tea.md"));
    const uploaded = await t.app.request(`/v1/folders/${folder.id}/upload`, { method: "POST", body: form });
    expect(uploaded.status).toBe(200);
    await t.services.jobs.drain();
    const agentId: string = (await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" })).body.id;
    await t.call("PATCH", `/v1/agents/${agentId}/folders/attach/${folder.id}`);

    const file = (await t.call("GET", `/v1/agents/${agentId}/export`)).body;
    expect(file.sources).toEqual([expect.objectContaining({ id: "source-0", name: "handbook" })]);
    expect(file.files).toEqual([
      expect.objectContaining({
        source_id: "source-0",
        file_name: "tea.md",
        content: expect.stringContaining("80 degrees"),
      }),
    ]);
    expect(file.agents[0].source_ids).toEqual(["source-0"]);
    expect(file.agents[0].files_agents[0]).toMatchObject({ file_id: "file-0", is_open: true });

    const imported = await importFile(t, JSON.stringify(file));
    expect(imported.status).toBe(200);
    expect(imported.body.notes.join(" ")).toContain("'handbook_(1)'");
    await t.services.jobs.drain();
    const copyId: string = imported.body.agent_ids[0];
    const folders = (await t.call("GET", `/v1/agents/${copyId}/folders`)).body;
    expect(folders.map((entry: JsonBody) => entry.name)).toEqual(["handbook_(1)"]);
    const files = (await t.call("GET", `/v1/folders/${folders[0].id}/files?include_content=true`)).body;
    expect(files).toEqual([
      expect.objectContaining({
        file_name: "tea.md",
        processing_status: "completed",
        content: expect.stringContaining("80 degrees"),
      }),
    ]);
    const copy = (await t.call("GET", `/v1/agents/${copyId}`)).body;
    expect(copy.tools.map((tool: JsonBody) => tool.name)).toContain("open_files");
    const views = await t.store.files.listAgentFiles(copyId);
    expect(views).toEqual([expect.objectContaining({ is_open: true })]);
  });

  it("imports a legacy v1 file", async () => {
    const legacy = {
      version: "0.6.5",
      name: "legacy-agent",
      agent_type: "memgpt_agent",
      system: "You are a legacy agent.",
      description: null,
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-01-01T00:00:00Z",
      llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 16000 },
      embedding_config: null,
      message_buffer_autoclear: false,
      multi_agent_group: null,
      metadata_: { origin: "v1" },
      tags: [{ tag: "old" }],
      tool_exec_environment_variables: [{ key: "API_KEY", value: "", description: null }],
      tool_rules: [],
      core_memory: [
        { label: "persona", value: "I am old.", limit: 2000, is_template: false, template_name: null },
        { label: "human", value: "Name: Grace", limit: 2000, is_template: false, template_name: null },
      ],
      tools: [
        {
          name: "roll_dice",
          description: "Roll a die",
          source_type: "python",
          source_code: "def roll_dice():\n    return 4\n",
          json_schema: {
            name: "roll_dice",
            description: "Roll a die",
            parameters: { type: "object", properties: {} },
          },
          tool_type: "custom",
          tags: [],
          return_char_limit: 1000,
        },
      ],
      messages: [
        {
          role: "system",
          content: [{ type: "text", text: "old system" }],
          created_at: "2025-01-01T00:00:00Z",
        },
        { role: "user", content: [{ type: "text", text: "roll" }], created_at: "2025-01-01T00:00:01Z" },
        {
          role: "assistant",
          content: [{ type: "text", text: "Rolling." }],
          tool_calls: [{ id: "call_1", type: "function", function: { name: "roll_dice", arguments: "{}" } }],
          created_at: "2025-01-01T00:00:02Z",
        },
        {
          role: "tool",
          name: "roll_dice",
          content: [{ type: "text", text: '{"status": "OK", "message": "4"}' }],
          tool_call_id: "call_1",
          created_at: "2025-01-01T00:00:03Z",
        },
      ],
      in_context_message_indices: [0, 1, 2, 3],
    };
    const imported = await importFile(t, JSON.stringify(legacy));
    expect(imported.status).toBe(200);
    const agent = (await t.call("GET", `/v1/agents/${imported.body.agent_ids[0]}`)).body;
    // The file names the variable with no value: it is kept by name, blank, for the user to fill in.
    expect(agent.secrets.map((secret: JsonBody) => secret.key)).toEqual(["API_KEY"]);
    expect(await t.services.agentSecrets(agent.id)).toEqual({ API_KEY: "" });
    expect(agent).toMatchObject({ name: "legacy-agent", agent_type: "memgpt_agent", tags: ["old"] });
    expect(agent.tools.map((tool: JsonBody) => tool.name)).toEqual(["roll_dice"]);
    const window = await expectConsistentWindow(t.store, agent.id);
    expect(window).toHaveLength(4);
    expect(window[3]?.tool_returns).toEqual([
      { tool_call_id: "call_1", status: "success", func_response: '{"status": "OK", "message": "4"}' },
    ]);
  });

  it("applies the client's options: name, model, strip_messages, tool override", async () => {
    const text = readReference("deep_research_agent.af");
    const first = await importFile(t, text, {
      name: "researcher",
      model: "openai/gpt-4o-mini",
      strip_messages: "true",
      secrets: JSON.stringify({ EXA_API_KEY: "secret" }),
    });
    expect(first.status).toBe(200);
    const agent = (await t.call("GET", `/v1/agents/${first.body.agent_ids[0]}`)).body;
    expect(agent.name).toBe("researcher");
    expect(agent.model).toBe("openai/gpt-4o-mini");
    const window = await expectConsistentWindow(t.store, agent.id);
    expect(window).toHaveLength(1);
    expect(await t.services.agentSecrets(agent.id)).toEqual({ EXA_API_KEY: "secret" });
    expect(JSON.stringify(first.body)).not.toContain('secret"');
    expect(agent.secrets.map((secret: JsonBody) => secret.value)).toEqual([SECRET_MASK]);

    // A tool of the same name is kept when override_existing_tools is false, replaced otherwise.
    const edited = JSON.parse(text);
    const plan = edited.tools.find((tool: JsonBody) => tool.name === "create_research_plan");
    plan.source_code = "def create_research_plan(agent_state, research_plan, topic):\n    return 'v2'\n";
    await importFile(t, JSON.stringify(edited), { override_existing_tools: "false" });
    const kept = (await t.call("GET", "/v1/tools/?name=create_research_plan")).body;
    expect(kept).toHaveLength(1);
    expect(kept[0].source_code).not.toContain("'v2'");
    await importFile(t, JSON.stringify(edited));
    const replaced = (await t.call("GET", "/v1/tools/?name=create_research_plan")).body;
    expect(replaced[0].id).toBe(kept[0].id);
    expect(replaced[0].source_code).toContain("'v2'");

    // Scripts may post the file itself as JSON, options in the query.
    const viaJson = await t.call("POST", "/v1/agents/import?name=from-json&strip_messages=true", text);
    expect(viaJson.status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${viaJson.body.agent_ids[0]}`)).body.name).toBe("from-json");
    const plain = await t.app.request("/v1/agents/import", { method: "POST", body: text });
    expect(plain.status).toBe(415);

    // The client sends the embedding override as a header.
    const embedded = await importFile(
      t,
      text,
      {},
      { "x-override-embedding-model": "openai/text-embedding-3-large" },
    );
    const withEmbedding = (await t.call("GET", `/v1/agents/${embedded.body.agent_ids[0]}`)).body;
    expect(withEmbedding.embedding).toBe("openai/text-embedding-3-large");
    expect(withEmbedding.embedding_config.embedding_dim).toBe(3072);

    const badSecrets = await importFile(t, text, { secrets: "{not json" });
    expect(badSecrets.status).toBe(422);
    expect(badSecrets.body.detail).toContain("secrets");
    const badModel = await importFile(t, text, { model: "nowhere/model" });
    expect(badModel.status).toBeGreaterThanOrEqual(400);
    expect(badModel.status).toBeLessThan(500);
  });

  describe("a bad file imports nothing", () => {
    it("refuses truncated, corrupt and dangling files with a 4xx naming the problem", async () => {
      const text = readReference("deep_research_agent.af");
      const before = await storedCounts(t);
      const truncated = await importFile(t, text.slice(0, text.length / 2));
      expect(truncated.status).toBe(400);
      expect(truncated.body.detail).toContain("not valid JSON");

      const dangling = JSON.parse(text);
      dangling.agents[0].block_ids.push("block-99");
      const refused = await importFile(t, JSON.stringify(dangling));
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toContain("agents[0].block_ids[4]");

      const wrongType = JSON.parse(text);
      wrongType.blocks[1].value = 42;
      const typed = await importFile(t, JSON.stringify(wrongType));
      expect(typed.status).toBe(422);
      expect(typed.body.detail).toContain("blocks[1].value");

      const notAFile = await importFile(t, JSON.stringify({ hello: "world" }));
      expect(notAFile.status).toBe(422);
      expect(await storedCounts(t)).toEqual(before);
    });

    it("rolls back everything when the second agent fails half-way", async () => {
      const file = JSON.parse(readReference("deep_research_agent.af"));
      const second = structuredClone(file.agents[0]);
      second.id = "agent-1";
      second.in_context_message_ids = [];
      second.messages = [];
      // Two blocks labelled `human` on one agent: found only while attaching, after agent-0 was written.
      file.blocks.push({ ...file.blocks[0], id: "block-4" });
      second.block_ids = ["block-0", "block-4"];
      file.agents.push(second);
      const before = await storedCounts(t);
      const messagesBefore = await t.store.messages.count({});
      const refused = await importFile(t, JSON.stringify(file));
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
      expect(refused.body.detail).toContain("human");
      expect(await storedCounts(t)).toEqual(before);
      expect(await t.store.messages.count({})).toBe(messagesBefore);
    });

    it("accepts a large file up to the import limit and answers 413 beyond it", async () => {
      const small = createApp({
        services: t.services,
        registry: t.registry,
        version: { letta: "0.16.8", reverie: "test" },
        maxBodyBytes: 1024,
        maxImportBytes: 200_000,
      });
      const text = readReference("deep_research_agent.af");
      const send = (body: string) => {
        const form = new FormData();
        form.append("file", new File([body], "agent.af"));
        return small.request("/v1/agents/import", { method: "POST", body: form });
      };
      expect((await send(text)).status).toBe(200);
      const padded = JSON.parse(text);
      padded.agents[0].description = "x".repeat(300_000);
      const tooBig = await send(JSON.stringify(padded));
      expect(tooBig.status).toBe(413);
    });
  });
});

describe("Agent File import on a server without the file's provider", () => {
  let openai: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    t = await createTestApp({ providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } } });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it("imports with a warning naming --model, and runs once imported again with a model", async () => {
    const text = readReference("deep_research_agent.af");
    const imported = await importFile(t, text);
    expect(imported.status).toBe(200);
    expect(imported.body.warnings).toHaveLength(1);
    expect(imported.body.warnings[0]).toContain(
      "agent 'deep-thought-research-agent' uses the model 'anthropic/claude-sonnet-4-5-20250929', which this server cannot run (Provider 'anthropic' is not configured",
    );
    expect(imported.body.warnings[0]).toContain(
      "--model <handle> (the `model` field of POST /v1/agents/import)",
    );

    const withModel = await importFile(t, text, { model: "openai/gpt-4o-mini" });
    expect(withModel.status).toBe(200);
    expect(withModel.body.warnings).toEqual([]);
    openai.script.push({ text: "Ready to research." });
    const reply = await t.call("POST", `/v1/agents/${withModel.body.agent_ids[0]}/messages`, {
      input: "Hello",
    });
    expect(reply.body.messages.at(-1)).toMatchObject({ content: "Ready to research." });
  });
});
