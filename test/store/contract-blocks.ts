import { describe, expect, it } from "vitest";
import type { Actor } from "../../src/domain/index.js";
import { type ContractContext, expectReverieError, ids } from "./contract-context.js";

const user: Actor = { type: "user", id: "user-1" };
const agentActor = (id: string, runId?: string): Actor => ({ type: "agent", id, run_id: runId ?? null });

export function describeBlockContract(context: ContractContext): void {
  describe("blocks", () => {
    it("creates a block with its first revision (old value null)", async () => {
      const { store, f } = context;
      const block = f.block({ metadata: { a: 1 }, tags: ["t"], read_only: true, hidden: false });
      expect(await store.blocks.create(block, user)).toEqual(block);
      expect(await store.blocks.get(block.id)).toEqual(block);

      const revisions = await store.blocks.revisions(block.id);
      expect(revisions).toHaveLength(1);
      expect(revisions[0]).toMatchObject({
        block_id: block.id,
        seq: 1,
        actor_type: "user",
        actor_id: "user-1",
        old_value: null,
        new_value: block.value,
        old_label: null,
        new_label: block.label,
      });
    });

    it("appends a revision with before, after and actor on every update", async () => {
      const { store, f } = context;
      const block = await store.blocks.create(f.block({ value: "v1", label: "persona" }), user);
      const updated = await store.blocks.update(block.id, { value: "v2" }, agentActor("agent-x", "run-1"));
      expect(updated).toMatchObject({ id: block.id, value: "v2", label: "persona", limit: block.limit });
      expect(updated?.updated_at).not.toBe(block.updated_at);
      expect(await store.blocks.get(block.id)).toEqual(updated);
      await store.blocks.update(block.id, { value: "v3", label: "persona2" }, user);

      const newestFirst = await store.blocks.revisions(block.id);
      expect(newestFirst.map((revision) => revision.seq)).toEqual([3, 2, 1]);
      expect(newestFirst[1]).toMatchObject({
        actor_type: "agent",
        actor_id: "agent-x",
        run_id: "run-1",
        old_value: "v1",
        new_value: "v2",
      });
      expect(newestFirst[0]).toMatchObject({ old_label: "persona", new_label: "persona2", new_value: "v3" });
      const oldestFirst = await store.blocks.revisions(block.id, { order: "asc", limit: 2 });
      expect(oldestFirst.map((revision) => revision.new_value)).toEqual(["v1", "v2"]);
      const afterFirst = await store.blocks.revisions(block.id, { order: "asc", after: oldestFirst[0]?.id });
      expect(afterFirst.map((revision) => revision.seq)).toEqual([2, 3]);
      expect(await store.blocks.update(f.id("block"), { value: "x" }, user)).toBeUndefined();
    });

    it("shares one block between two agents", async () => {
      const { store, f } = context;
      const first = await store.agents.create(f.agent());
      const second = await store.agents.create(f.agent());
      const shared = await store.blocks.create(f.block({ label: "shared" }), user);
      await store.blocks.attach(first.id, shared.id);
      await store.blocks.attach(second.id, shared.id);

      await store.blocks.update(shared.id, { value: "seen by both" }, agentActor(first.id));
      expect((await store.blocks.listForAgent(first.id))[0]?.value).toBe("seen by both");
      expect((await store.blocks.getForAgentByLabel(second.id, "shared"))?.value).toBe("seen by both");
      expect((await store.blocks.agentIds(shared.id)).sort()).toEqual([first.id, second.id].sort());
      expect(await store.blocks.agentIds(shared.id, { limit: 1 })).toHaveLength(1);
    });

    it("lists an agent's blocks in attach order; attach is idempotent, detach reports", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const persona = await store.blocks.create(f.block({ label: "persona" }), user);
      const human = await store.blocks.create(f.block({ label: "human" }), user);
      await store.blocks.attach(agent.id, persona.id);
      await store.blocks.attach(agent.id, human.id);
      await store.blocks.attach(agent.id, persona.id);

      expect(ids(await store.blocks.listForAgent(agent.id))).toEqual([persona.id, human.id]);
      expect(await store.blocks.getForAgentByLabel(agent.id, "human")).toEqual(human);
      expect(await store.blocks.getForAgentByLabel(agent.id, "missing")).toBeUndefined();
      expect(await store.blocks.detach(agent.id, persona.id)).toBe(true);
      expect(await store.blocks.detach(agent.id, persona.id)).toBe(false);
      expect(ids(await store.blocks.listForAgent(agent.id))).toEqual([human.id]);
    });

    it("refuses a second block with the same label on one agent, on attach and on relabel", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const first = await store.blocks.create(f.block({ label: "human" }), user);
      const second = await store.blocks.create(f.block({ label: "human" }), user);
      const third = await store.blocks.create(f.block({ label: "notes" }), user);
      await store.blocks.attach(agent.id, first.id);
      await expectReverieError(store.blocks.attach(agent.id, second.id), "conflict");
      await store.blocks.attach(agent.id, third.id);
      await expectReverieError(store.blocks.update(third.id, { label: "human" }, user), "conflict");
      expect((await store.blocks.get(third.id))?.label).toBe("notes");
      expect(await store.blocks.revisions(third.id)).toHaveLength(1);
      // A block attached to no agent may take any label.
      expect((await store.blocks.update(second.id, { label: "notes" }, user))?.label).toBe("notes");
    });

    it("attaching an unknown block or to an unknown agent is not_found", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const block = await store.blocks.create(f.block(), user);
      await expectReverieError(store.blocks.attach(agent.id, f.id("block")), "not_found");
      await expectReverieError(store.blocks.attach(f.id("agent"), block.id), "not_found");
    });

    it("deletes a block, detaching it everywhere and keeping its revisions", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const block = await store.blocks.create(f.block(), user);
      await store.blocks.attach(agent.id, block.id);
      expect(await store.blocks.delete(block.id)).toBe(true);
      expect(await store.blocks.delete(block.id)).toBe(false);
      expect(await store.blocks.get(block.id)).toBeUndefined();
      expect(await store.blocks.listForAgent(agent.id)).toEqual([]);
      expect(await store.blocks.revisions(block.id)).toHaveLength(1);
    });

    it("filters the block list and pages it", async () => {
      const { store, f } = context;
      const persona = await store.blocks.create(
        f.block({ label: "persona", value: "A cheerful ROBOT" }),
        user,
      );
      const human = await store.blocks.create(f.block({ label: "human", tags: ["x", "y"] }), user);
      const template = await store.blocks.create(
        f.block({ label: "human_template", is_template: true, tags: ["x"], project_id: "p" }),
        user,
      );

      expect(ids(await store.blocks.list({ label: "human" }))).toEqual([human.id]);
      expect(ids(await store.blocks.list({ label_search: "HUMAN", order: "asc" }))).toEqual([
        human.id,
        template.id,
      ]);
      expect(ids(await store.blocks.list({ value_search: "robot" }))).toEqual([persona.id]);
      expect(ids(await store.blocks.list({ templates_only: true }))).toEqual([template.id]);
      expect(ids(await store.blocks.list({ project_id: "p" }))).toEqual([template.id]);
      expect(ids(await store.blocks.list({ tags: ["x"], order: "asc" }))).toEqual([human.id, template.id]);
      expect(ids(await store.blocks.list({ tags: ["x", "y"], match_all_tags: true }))).toEqual([human.id]);
      expect(ids(await store.blocks.list({}))).toEqual([template.id, human.id, persona.id]);
      expect(ids(await store.blocks.list({ after: template.id, limit: 1 }))).toEqual([human.id]);
      expect(ids(await store.blocks.list({ after: f.id("block"), limit: 1 }))).toEqual([template.id]);
    });

    it("getMany returns blocks in the order of the ids, skipping missing ones", async () => {
      const { store, f } = context;
      const first = await store.blocks.create(f.block(), user);
      const second = await store.blocks.create(f.block(), user);
      const found = await store.blocks.getMany([second.id, f.id("block"), first.id]);
      expect(ids(found)).toEqual([second.id, first.id]);
      expect(await store.blocks.getMany([])).toEqual([]);
    });

    it("keeps the undo and redo stacks in each revision; a stale undo or redo is a conflict", async () => {
      const { store, f } = context;
      const block = await store.blocks.create(f.block({ value: "v1", label: "notes" }), user);
      await store.blocks.update(block.id, { value: "v2" }, agentActor("agent-x", "run-1"));
      await store.blocks.update(block.id, { value: "v3" }, user);
      const stacks = async () => {
        const latest = await store.blocks.latestRevision(block.id);
        const current = await store.blocks.get(block.id);
        return [
          latest?.seq,
          latest?.operation,
          latest?.target_seq,
          latest?.undo_seq,
          latest?.redo_seq,
          current?.value,
        ];
      };
      expect(await stacks()).toEqual([3, "edit", null, 3, null, "v3"]);

      await store.blocks.update(block.id, { value: "v2" }, user, { operation: "undo", target_seq: 3 });
      expect(await stacks()).toEqual([4, "undo", 3, 2, 3, "v2"]);
      // A second undo of the same edit (read before the first committed) writes nothing.
      await expectReverieError(
        store.blocks.update(block.id, { value: "v2" }, user, { operation: "undo", target_seq: 3 }),
        "conflict",
      );
      expect(await stacks()).toEqual([4, "undo", 3, 2, 3, "v2"]);
      await store.blocks.update(block.id, { value: "v1" }, user, { operation: "undo", target_seq: 2 });
      expect(await stacks()).toEqual([5, "undo", 2, null, 2, "v1"]);

      await store.blocks.update(block.id, { value: "v2" }, user, { operation: "redo", target_seq: 2 });
      expect(await stacks()).toEqual([6, "redo", 2, 2, 3, "v2"]);
      await expectReverieError(
        store.blocks.update(block.id, { value: "v2" }, user, { operation: "redo", target_seq: 2 }),
        "conflict",
      );
      // A change of neither value nor label is not an edit to undo and keeps what can be redone.
      await store.blocks.update(block.id, { limit: 5000 }, user);
      expect(await stacks()).toEqual([7, "edit", null, 2, 3, "v2"]);
      await store.blocks.update(block.id, { value: "v3" }, user, { operation: "redo", target_seq: 3 });
      expect(await stacks()).toEqual([8, "redo", 3, 3, null, "v3"]);

      // Undo again, then a new edit: what was undone can no longer be redone.
      await store.blocks.update(block.id, { value: "v2" }, user, { operation: "undo", target_seq: 3 });
      expect(await stacks()).toEqual([9, "undo", 3, 2, 3, "v2"]);
      await store.blocks.update(block.id, { value: "v4" }, user);
      expect(await stacks()).toEqual([10, "edit", null, 10, null, "v4"]);
      await store.blocks.update(block.id, { value: "v1" }, user, { operation: "restore", target_seq: 1 });
      expect(await stacks()).toEqual([11, "restore", 1, 11, null, "v1"]);
    });

    it("finds one revision by id or position, only among the block's own", async () => {
      const { store, f } = context;
      const block = await store.blocks.create(f.block({ value: "a" }), user);
      const other = await store.blocks.create(f.block({ value: "b" }), user);
      await store.blocks.update(block.id, { value: "a2" }, user);
      const [latest, first] = await store.blocks.revisions(block.id);
      expect(await store.blocks.latestRevision(block.id)).toEqual(latest);
      expect(await store.blocks.revisionAt(block.id, 1)).toEqual(first);
      expect(first).toMatchObject({ operation: "create", undo_seq: null, redo_seq: null, target_seq: null });
      expect(await store.blocks.getRevision(block.id, latest!.id)).toEqual(latest);
      const [otherFirst] = await store.blocks.revisions(other.id);
      expect(await store.blocks.getRevision(block.id, otherFirst!.id)).toBeUndefined();
      expect(await store.blocks.revisionAt(block.id, 3)).toBeUndefined();
      expect(await store.blocks.latestRevision("block-missing")).toBeUndefined();
    });
  });
}
