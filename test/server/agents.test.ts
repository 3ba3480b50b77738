import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Tool } from "../../src/domain/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("agents API", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const createAgent = async (body: Record<string, unknown> = {}) => {
    const response = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", ...body });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  it("creates an agent with blocks, tags and a resolved model, and reads it back", async () => {
    const agent = await createAgent({
      name: "helper",
      context_window_limit: 64_000,
      tags: ["a", "b", "a"],
      memory_blocks: [
        { label: "persona", value: "I am a helper." },
        { label: "human", value: "Ada.", limit: 500, description: "who the user is" },
      ],
    });
    expect(agent.id).toMatch(/^agent-[0-9a-f-]{36}$/);
    expect(agent).toMatchObject({
      name: "helper",
      agent_type: "letta_v1_agent",
      model: "openai/gpt-4o-mini",
      // As in Letta: no embedding model unless one is asked for.
      embedding: null,
      embedding_config: null,
      tags: ["a", "b"],
      context_window_limit: 64_000,
      sources: [],
      pending_approval: null,
      managed_group: null,
    });
    // The window starts with the compiled system message, which shows the new blocks.
    expect(agent.message_ids).toHaveLength(1);
    const [system] = await t.store.messages.getMany(agent.message_ids);
    expect(system?.role).toBe("system");
    expect(JSON.stringify(system?.content)).toContain("I am a helper.");
    expect(agent.llm_config).toMatchObject({
      model: "gpt-4o-mini",
      model_endpoint_type: "openai",
      context_window: 64_000,
    });
    expect(agent.system).toContain("<base_instructions>");
    expect(agent.blocks.map((block: { label: string }) => block.label)).toEqual(["persona", "human"]);
    expect(agent.memory).toMatchObject({ agent_type: "letta_v1_agent", file_blocks: [], git_enabled: false });
    expect(agent.memory.blocks).toHaveLength(2);
    const human = agent.blocks.find((block: { label: string }) => block.label === "human");
    expect(human).toMatchObject({
      value: "Ada.",
      limit: 500,
      description: "who the user is",
      read_only: false,
    });

    // Both path forms and the include[] parameter are accepted; the full agent comes back.
    for (const path of [
      `/v1/agents/${agent.id}`,
      `/v1/agents/${agent.id}/?include=agent.tags&include=agent.tools`,
    ]) {
      const read = await t.call("GET", path);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(agent);
    }
  });

  it("gives an unnamed agent a readable generated name", async () => {
    const agent = await createAgent();
    expect(agent.name).toMatch(/^[a-z]+-[a-z]+-[0-9a-f]{4}$/);
  });

  it("uses the configured default model when none is given, and says so when there is none", async () => {
    const agent = (await t.call("POST", "/v1/agents", {})).body;
    expect(agent.model).toBe("openai/gpt-4o-mini");

    const bare = await createTestApp({ providers: {} });
    try {
      const refused = await bare.call("POST", "/v1/agents/", { name: "x" });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/No model given and no model provider is configured/);
      const unconfigured = await bare.call("POST", "/v1/agents/", {
        model: "anthropic/claude-3-5-haiku-20241022",
      });
      expect(unconfigured.status).toBe(400);
      expect(unconfigured.body.detail).toBe("Provider 'anthropic' is not configured: set ANTHROPIC_API_KEY");
      // A legacy llm_config is taken as given, even without a configured provider.
      const legacy = await bare.call("POST", "/v1/agents/", {
        llm_config: { model: "gpt-4o", model_endpoint_type: "openai", context_window: 128_000 },
        context_window_limit: 8_000,
      });
      expect(legacy.status).toBe(200);
      expect(legacy.body.llm_config).toMatchObject({
        model: "gpt-4o",
        context_window: 8_000,
        handle: "openai/gpt-4o",
      });
      expect(legacy.body.embedding_config).toBeNull();
    } finally {
      await bare.close();
    }
  });

  it("writes nothing when creation fails part-way", async () => {
    await createAgent({ memory_blocks: [{ label: "persona", value: "x" }] });
    const before = { agents: await t.store.agents.count(), blocks: (await t.store.blocks.list({})).length };

    const unknownBlock = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "new block" }],
      block_ids: ["block-00000000-0000-4000-8000-00000000ffff"],
    });
    expect(unknownBlock.status).toBe(404);
    expect(unknownBlock.body.detail).toBe(
      "Block with id 'block-00000000-0000-4000-8000-00000000ffff' not found",
    );

    const unknownTool = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "new block" }],
      tools: ["web_search", "no_such_tool", "it's_missing", "no_such_tool"],
    });
    expect(unknownTool.status).toBe(400);
    expect(unknownTool.body.detail).toBe(`Tools not found by name: {'no_such_tool', "it's_missing"}`);

    const duplicateLabel = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [
        { label: "human", value: "one" },
        { label: "human", value: "two" },
      ],
    });
    expect(duplicateLabel.status).toBe(409);

    expect({ agents: await t.store.agents.count(), blocks: (await t.store.blocks.list({})).length }).toEqual(
      before,
    );
  });

  it("modifies every kind of field and replaces attachments", async () => {
    const agent = await createAgent({ memory_blocks: [{ label: "persona", value: "p" }], tags: ["old"] });
    const shared = (await t.call("POST", "/v1/blocks/", { label: "project", value: "Reverie" })).body;

    const modified = await t.call("PATCH", `/v1/agents/${agent.id}`, {
      name: "renamed",
      description: "desc",
      system: "You are terse.",
      tags: ["new", "x"],
      metadata: { team: "core" },
      block_ids: [shared.id],
      model: "openai/gpt-4.1",
      model_settings: { provider_type: "openai", parallel_tool_calls: true, max_output_tokens: 2048 },
      context_window_limit: 100_000,
      timezone: "Europe/Paris",
    });
    expect(modified.status, JSON.stringify(modified.body)).toBe(200);
    expect(modified.body).toMatchObject({
      name: "renamed",
      description: "desc",
      system: "You are terse.",
      tags: ["new", "x"],
      metadata: { team: "core" },
      model: "openai/gpt-4.1",
      context_window_limit: 100_000,
      timezone: "Europe/Paris",
    });
    expect(modified.body.llm_config).toMatchObject({
      model: "gpt-4.1",
      context_window: 100_000,
      parallel_tool_calls: true,
      max_tokens: 2048,
    });
    expect(modified.body.blocks.map((block: { id: string }) => block.id)).toEqual([shared.id]);
    expect(modified.body.updated_at > agent.updated_at).toBe(true);
    // The detached block still exists.
    expect((await t.call("GET", `/v1/blocks/${agent.blocks[0].id}`)).status).toBe(200);

    // Lifting the limit gives the model's full window back.
    const lifted = await t.call("PATCH", `/v1/agents/${agent.id}`, { context_window_limit: null });
    expect(lifted.body.llm_config.context_window).toBe(1_047_576);
    expect(lifted.body.llm_config.parallel_tool_calls).toBe(true);

    const badMessages = await t.call("PATCH", `/v1/agents/${agent.id}`, {
      message_ids: ["message-00000000-0000-4000-8000-000000000999"],
    });
    expect(badMessages.status).toBe(404);
    expect(badMessages.body.detail).toMatch(/message-00000000-0000-4000-8000-000000000999/);

    const unknownTool = await t.call("PATCH", `/v1/agents/${agent.id}`, {
      tool_ids: ["tool-nope"],
      name: "not applied",
    });
    expect(unknownTool.status).toBe(404);
    expect((await t.call("GET", `/v1/agents/${agent.id}`)).body.name).toBe("renamed");
  });

  it("deletes agents but keeps their blocks", async () => {
    const agent = await createAgent({ memory_blocks: [{ label: "persona", value: "p" }] });
    const deleted = await t.call("DELETE", `/v1/agents/${agent.id}`);
    expect(deleted.status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${agent.id}`)).status).toBe(404);
    expect((await t.call("DELETE", `/v1/agents/${agent.id}`)).status).toBe(404);
    expect((await t.call("GET", `/v1/blocks/${agent.blocks[0].id}`)).status).toBe(200);
  });

  it("answers unknown ids with a 404 naming the id", async () => {
    const id = "agent-00000000-0000-4000-8000-0000000000aa";
    for (const [method, path, body] of [
      ["GET", `/v1/agents/${id}`],
      ["PATCH", `/v1/agents/${id}`, { name: "x" }],
      ["GET", `/v1/agents/${id}/core-memory/blocks`],
    ] as const) {
      const response = await t.call(method, path, body);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: `Agent with id '${id}' not found` });
      expect(response.headers.get("x-should-retry")).toBe("false");
    }
  });
});

describe("agents and tools", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  let toolCount = 0;
  const addTool = (name: string, toolType: Tool["tool_type"] = "custom") => {
    const now = new Date().toISOString();
    return t.store.tools.create({
      id: `tool-00000000-0000-4000-9000-${(++toolCount).toString(16).padStart(12, "0")}`,
      name,
      description: `${name} tool`,
      tool_type: toolType,
      source_type: "python",
      source_code: null,
      json_schema: { name, parameters: { type: "object", properties: {} } },
      args_json_schema: null,
      tags: [],
      return_char_limit: 50_000,
      default_requires_approval: null,
      enable_parallel_execution: null,
      pip_requirements: null,
      npm_requirements: null,
      metadata_: null,
      project_id: null,
      created_by_id: null,
      last_updated_by_id: null,
      created_at: now,
      updated_at: now,
    });
  };

  it("attaches tools by name and id, plus the registered base tools unless told not to", async () => {
    const base = (await t.store.tools.getByName("memory_insert"))!;
    const search = (await t.store.tools.getByName("web_search"))!;
    const custom = await addTool("roll_dice");

    const withBase = await t.call("POST", "/v1/agents/", { tools: ["web_search"], tool_ids: [custom.id] });
    expect(withBase.status).toBe(200);
    expect(withBase.body.tools.map((tool: Tool) => tool.name).sort()).toEqual([
      "conversation_search",
      "memory_insert",
      "memory_replace",
      "roll_dice",
      "web_search",
    ]);

    const without = await t.call("POST", "/v1/agents/", {
      tools: ["web_search", "memory_insert"],
      include_base_tools: false,
    });
    expect(without.body.tools.map((tool: Tool) => tool.id).sort()).toEqual([base.id, search.id].sort());

    const replaced = await t.call("PATCH", `/v1/agents/${withBase.body.id}`, { tool_ids: [search.id] });
    expect(replaced.body.tools.map((tool: Tool) => tool.name)).toEqual(["web_search"]);
  });
});
