import { describe, expect, it } from "vitest";
import { type ContractContext, expectReverieError, ids } from "./contract-context.js";

export function describeToolContract(context: ContractContext): void {
  describe("tools", () => {
    it("creates, reads by id and by name, and refuses a duplicate name", async () => {
      const { store, f } = context;
      const tool = f.tool({
        name: "fetch_weather",
        metadata_: { origin: "test" },
        pip_requirements: [{ name: "requests" }],
        default_requires_approval: true,
      });
      expect(await store.tools.create(tool)).toEqual(tool);
      expect(await store.tools.get(tool.id)).toEqual(tool);
      expect(await store.tools.getByName("fetch_weather")).toEqual(tool);
      expect(await store.tools.getByName("nope")).toBeUndefined();
      await expectReverieError(store.tools.create(f.tool({ name: "fetch_weather" })), "conflict");
    });

    it("upserts by name, keeping the id and created_at of the existing tool", async () => {
      const { store, f } = context;
      const original = await store.tools.upsertByName(f.tool({ name: "memory_insert", description: "old" }));
      const replacement = f.tool({
        name: "memory_insert",
        description: "new",
        tool_type: "letta_memory_core",
      });
      const upserted = await store.tools.upsertByName(replacement);
      expect(upserted).toEqual({ ...replacement, id: original.id, created_at: original.created_at });
      expect(await store.tools.get(original.id)).toEqual(upserted);
      expect(await store.tools.get(replacement.id)).toBeUndefined();
    });

    it("updates, refusing a rename onto another tool's name", async () => {
      const { store, f } = context;
      const tool = await store.tools.create(f.tool({ name: "a_tool" }));
      await store.tools.create(f.tool({ name: "b_tool" }));
      const updated = await store.tools.update(tool.id, { description: "changed", return_char_limit: 10 });
      expect(updated).toMatchObject({ description: "changed", return_char_limit: 10, name: "a_tool" });
      expect(await store.tools.get(tool.id)).toEqual(updated);
      await expectReverieError(store.tools.update(tool.id, { name: "b_tool" }), "conflict");
      expect(await store.tools.update(f.id("tool"), { description: "x" })).toBeUndefined();
    });

    it("filters and pages the tool list", async () => {
      const { store, f } = context;
      const custom = await store.tools.create(f.tool({ name: "send_email" }));
      const core = await store.tools.create(
        f.tool({ name: "memory_replace", tool_type: "letta_memory_core" }),
      );
      const client = await store.tools.create(f.tool({ name: "run_shell", tool_type: "client" }));

      expect(ids(await store.tools.list({ name: "send_email" }))).toEqual([custom.id]);
      expect(ids(await store.tools.list({ names: ["send_email", "run_shell"], order: "asc" }))).toEqual([
        custom.id,
        client.id,
      ]);
      expect(ids(await store.tools.list({ ids: [core.id] }))).toEqual([core.id]);
      expect(await store.tools.list({ ids: [] })).toEqual([]);
      expect(ids(await store.tools.list({ tool_types: ["client"] }))).toEqual([client.id]);
      expect(ids(await store.tools.list({ exclude_tool_types: ["client", "custom"] }))).toEqual([core.id]);
      expect(ids(await store.tools.list({ search: "MEMORY" }))).toEqual([core.id]);
      expect(ids(await store.tools.list({ limit: 2 }))).toEqual([client.id, core.id]);
      expect(ids(await store.tools.list({ after: core.id }))).toEqual([custom.id]);
    });

    it("attaches to agents in order and deletes with its attachments", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const first = await store.tools.create(f.tool());
      const second = await store.tools.create(f.tool());
      await store.tools.attach(agent.id, second.id);
      await store.tools.attach(agent.id, first.id);
      await store.tools.attach(agent.id, second.id);
      expect(ids(await store.tools.listForAgent(agent.id))).toEqual([second.id, first.id]);
      expect(await store.tools.detach(agent.id, second.id)).toBe(true);
      expect(await store.tools.detach(agent.id, second.id)).toBe(false);
      expect(await store.tools.delete(first.id)).toBe(true);
      expect(await store.tools.delete(first.id)).toBe(false);
      expect(await store.tools.listForAgent(agent.id)).toEqual([]);
      await expectReverieError(store.tools.attach(agent.id, f.id("tool")), "not_found");
    });
  });
}
