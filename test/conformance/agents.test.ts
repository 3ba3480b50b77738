import { BadRequestError, NotFoundError } from "@letta-ai/letta-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Conformance, createAgent, startConformance, walk } from "./harness.js";

// Agents, blocks, tools, models, tags and health through the official client against one real server.
describe("conformance: agents, blocks, tools, models", () => {
  let ctx: Conformance;

  beforeAll(async () => {
    ctx = await startConformance();
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("health reports ok and a Letta version letta-code accepts", async () => {
    const health = await ctx.client.health();
    expect(health.status).toBe("ok");
    const [major, minor, patch] = health.version.split(".").map(Number) as [number, number, number];
    expect(major * 10_000 + minor * 100 + patch).toBeGreaterThanOrEqual(1606);
  });

  it("creates, retrieves, updates, pages and deletes agents", async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createAgent(ctx.client, { tags: ["conf", `n${i}`] }));
    for (const agent of created) {
      expect(agent.id).toMatch(/^agent-/);
      expect(agent.llm_config.model).toBe("gpt-4o-mini");
      expect(agent.blocks.map((b) => b.label).sort()).toEqual(["human", "persona"]);
      // Deprecated but still typed as required.
      expect(agent.memory).toBeDefined();
      expect(Array.isArray(agent.sources)).toBe(true);
    }

    const seen = (await walk(ctx.client.agents.list({ limit: 2 }))).map((a) => a.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(created.map((a) => a.id).sort());

    const ascending = (await walk(ctx.client.agents.list({ limit: 2, order: "asc" }))).map((a) => a.id);
    expect(ascending).toEqual(created.map((a) => a.id));

    const [first, , , , last] = created as [(typeof created)[0], ...(typeof created)[0][]];
    const retrieved = await ctx.client.agents.retrieve(first.id);
    expect(retrieved.id).toBe(first.id);
    expect(retrieved.name).toBe(first.name);

    const updated = await ctx.client.agents.update(first.id, {
      name: "renamed",
      description: "d",
      tags: ["x"],
    });
    expect(updated.name).toBe("renamed");
    expect(updated.description).toBe("d");
    expect(updated.tags).toEqual(["x"]);
    expect((await ctx.client.agents.retrieve(first.id)).name).toBe("renamed");

    await ctx.client.agents.delete(last!.id);
    await expect(ctx.client.agents.retrieve(last!.id)).rejects.toBeInstanceOf(NotFoundError);
    const afterDelete = (await walk(ctx.client.agents.list({ limit: 2 }))).map((a) => a.id);
    expect(afterDelete).not.toContain(last!.id);
    expect(afterDelete).toHaveLength(4);
  });

  it("lists tags", async () => {
    const tags = await ctx.client.tags.list();
    expect(Array.isArray(tags)).toBe(true);
    expect(tags).toContain("conf");
    expect(tags).toContain("x");
    expect(new Set(tags).size).toBe(tags.length);
  });

  it("serves agents.blocks list/retrieve/update/attach/detach", async () => {
    const agent = await createAgent(ctx.client);
    const labels = (await walk(ctx.client.agents.blocks.list(agent.id, { limit: 1 }))).map((b) => b.label);
    expect(labels.sort()).toEqual(["human", "persona"]);

    const persona = await ctx.client.agents.blocks.retrieve("persona", { agent_id: agent.id });
    expect(persona.value).toBe("I am a test agent.");
    const changed = await ctx.client.agents.blocks.update("persona", {
      agent_id: agent.id,
      value: "New persona.",
    });
    expect(changed.value).toBe("New persona.");
    expect((await ctx.client.agents.blocks.retrieve("persona", { agent_id: agent.id })).value).toBe(
      "New persona.",
    );

    const extra = await ctx.client.blocks.create({ label: "notes", value: "shared notes" });
    const attached = await ctx.client.agents.blocks.attach(extra.id, { agent_id: agent.id });
    expect(attached.blocks.map((b) => b.id)).toContain(extra.id);
    expect((await ctx.client.agents.blocks.retrieve("notes", { agent_id: agent.id })).id).toBe(extra.id);

    const detached = await ctx.client.agents.blocks.detach(extra.id, { agent_id: agent.id });
    expect(detached.blocks.map((b) => b.id)).not.toContain(extra.id);
    await expect(ctx.client.agents.blocks.retrieve("notes", { agent_id: agent.id })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // Detaching does not delete the block.
    expect((await ctx.client.blocks.retrieve(extra.id)).value).toBe("shared notes");
  });

  it("serves blocks CRUD, paging and blocks.agents.list", async () => {
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await ctx.client.blocks.create({ label: `crud-${i}`, value: `v${i}` }));
    const all = (await walk(ctx.client.blocks.list({ limit: 2 }))).map((b) => b.id);
    expect(new Set(all).size).toBe(all.length);
    for (const block of made) expect(all).toContain(block.id);

    const [a, b] = made as [(typeof made)[0], (typeof made)[0]];
    expect((await ctx.client.blocks.retrieve(a.id)).label).toBe("crud-0");
    const updated = await ctx.client.blocks.update(a.id, { value: "changed", limit: 1234 });
    expect(updated.value).toBe("changed");
    expect(updated.limit).toBe(1234);

    const agent1 = await createAgent(ctx.client);
    const agent2 = await createAgent(ctx.client);
    await ctx.client.agents.blocks.attach(b.id, { agent_id: agent1.id });
    await ctx.client.agents.blocks.attach(b.id, { agent_id: agent2.id });
    const sharing = (await walk(ctx.client.blocks.agents.list(b.id, { limit: 1 }))).map((x) => x.id);
    expect(sharing.sort()).toEqual([agent1.id, agent2.id].sort());

    await ctx.client.blocks.delete(a.id);
    await expect(ctx.client.blocks.retrieve(a.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists, attaches, detaches tools and updates tool approval", async () => {
    await ctx.client.post("/v1/tools/add-base-tools");
    const all = await walk(ctx.client.tools.list({ limit: 3 }));
    const ids = all.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.length).toBeGreaterThan(0);
    for (const tool of all) expect(tool.id).toMatch(/^tool-/);

    const named = await walk(ctx.client.tools.list({ name: "memory_replace" }));
    expect(named.map((t) => t.name)).toEqual(["memory_replace"]);
    const tool = named[0]!;

    const agent = await createAgent(ctx.client, { tools: [], include_base_tools: false });
    const before = (await walk(ctx.client.agents.tools.list(agent.id, { limit: 2 }))).map((t) => t.name);
    expect(before).not.toContain("memory_replace");

    const attached = await ctx.client.agents.tools.attach(tool.id, { agent_id: agent.id });
    expect(attached?.tools.map((t) => t.id)).toContain(tool.id);
    const during = (await walk(ctx.client.agents.tools.list(agent.id, { limit: 2 }))).map((t) => t.name);
    expect(during).toContain("memory_replace");

    const approval = await ctx.client.agents.tools.updateApproval("memory_replace", {
      agent_id: agent.id,
      body_requires_approval: true,
    });
    const rules = approval?.tool_rules ?? [];
    expect(rules.some((r) => r.tool_name === "memory_replace" && r.type === "requires_approval")).toBe(true);
    const cleared = await ctx.client.agents.tools.updateApproval("memory_replace", {
      agent_id: agent.id,
      body_requires_approval: false,
    });
    expect(
      (cleared?.tool_rules ?? []).some(
        (r) => r.tool_name === "memory_replace" && r.type === "requires_approval",
      ),
    ).toBe(false);

    const detached = await ctx.client.agents.tools.detach(tool.id, { agent_id: agent.id });
    expect(detached?.tools.map((t) => t.id)).not.toContain(tool.id);
  });

  it("creates letta-code's agent with the web tools, and names unknown tools in Letta's 400", async () => {
    // The body letta-code 0.32 sends for its default agent.
    const agent = await ctx.client.agents.create({
      agent_type: "letta_v1_agent",
      name: "Letta Code",
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "persona", value: "p" }],
      tags: ["origin:letta-code"],
      tools: ["web_search", "fetch_webpage"],
      include_base_tools: false,
      include_base_tool_rules: false,
    });
    expect(agent.tools.map((t) => [t.name, t.tool_type]).sort()).toEqual([
      ["fetch_webpage", "letta_builtin"],
      ["web_search", "letta_builtin"],
    ]);
    const error = await ctx.client.agents
      .create({ model: "openai/gpt-4o-mini", tools: ["web_search", "memory_apply_patch_v9"] })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    // letta-code's recovery looks for exactly this: a 400 whose message says "Tools not found by name".
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(400);
    expect((error as BadRequestError).message).toContain(
      "Tools not found by name: {'memory_apply_patch_v9'}",
    );
  });

  it("lists chat and embedding models", async () => {
    const models = await ctx.client.models.list();
    expect(models.length).toBeGreaterThan(0);
    const model = models.find((m) => m.handle === "openai/gpt-4o-mini");
    expect(model).toBeDefined();
    expect(model?.provider_type).toBe("openai");
    expect(model?.max_context_window).toBeGreaterThan(0);
    // Deprecated but still typed as required.
    expect(model?.model).toBe("gpt-4o-mini");
    expect(model?.context_window).toBeGreaterThan(0);
    expect(typeof model?.model_endpoint_type).toBe("string");

    const embeddings = await ctx.client.models.embeddings.list();
    expect(Array.isArray(embeddings)).toBe(true);
    for (const e of embeddings) {
      expect(typeof e.handle).toBe("string");
      expect(e.embedding_dim).toBeGreaterThan(0);
    }
  });
});
