import { describe, expect, it } from "vitest";
import { type ContractContext, ids } from "./contract-context.js";

export function describeActivityContract(context: ContractContext): void {
  describe("runs and steps", () => {
    it("creates, updates and filters runs", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const run = await store.runs.create(
        f.run(agent.id, {
          request_config: { use_assistant_message: true },
          total_duration_ns: 12_345_678_901,
        }),
      );
      const background = await store.runs.create(
        f.run(agent.id, {
          background: true,
          status: "completed",
          stop_reason: "end_turn",
          conversation_id: "conv-1",
        }),
      );
      const elsewhere = await store.runs.create(f.run(other.id, { run_type: "sleeptime" }));
      expect(await store.runs.get(run.id)).toEqual(run);

      const updated = await store.runs.update(run.id, { status: "running", ttft_ns: 5000 });
      expect(updated).toEqual({ ...run, status: "running", ttft_ns: 5000 });
      expect(await store.runs.update(f.id("run"), { status: "failed" })).toBeUndefined();

      expect(ids(await store.runs.list({ agent_id: agent.id }))).toEqual([background.id, run.id]);
      expect(ids(await store.runs.list({ agent_ids: [agent.id, other.id], order: "asc" }))).toEqual([
        run.id,
        background.id,
        elsewhere.id,
      ]);
      expect(ids(await store.runs.list({ statuses: ["running", "created"], order: "asc" }))).toEqual([
        run.id,
        elsewhere.id,
      ]);
      expect(ids(await store.runs.list({ background: true }))).toEqual([background.id]);
      expect(ids(await store.runs.list({ conversation_id: "conv-1" }))).toEqual([background.id]);
      expect(ids(await store.runs.list({ stop_reason: "end_turn" }))).toEqual([background.id]);
      expect(ids(await store.runs.list({ run_type: "sleeptime" }))).toEqual([elsewhere.id]);
      expect(ids(await store.runs.list({ limit: 1, after: elsewhere.id }))).toEqual([background.id]);
    });

    it("pages through unfinished runs, oldest first, and leaves finished ones out", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const created = await store.runs.create(f.run(agent.id, { status: "created", created_at: f.at(1) }));
      const running = await store.runs.create(f.run(agent.id, { status: "running", created_at: f.at(2) }));
      await store.runs.create(
        f.run(agent.id, { status: "completed", stop_reason: "end_turn", created_at: f.at(3) }),
      );
      const sameTime = await store.runs.create(f.run(agent.id, { status: "running", created_at: f.at(2) }));
      const all = await store.runs.listUnfinishedInAllOrganizations(10);
      const laterOfSameTime = [running.id, sameTime.id].sort();
      expect(all.map((entry) => entry.run.id)).toEqual([created.id, ...laterOfSameTime]);
      const pages: string[] = [];
      let after: { created_at: string; id: string } | undefined;
      for (;;) {
        const page = await store.runs.listUnfinishedInAllOrganizations(1, after);
        if (page.length === 0) break;
        pages.push(page[0]!.run.id);
        after = page[0]!.run;
      }
      expect(pages).toEqual(all.map((entry) => entry.run.id));
    });

    it("creates, updates and filters steps", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const run = await store.runs.create(f.run(agent.id));
      const otherRun = await store.runs.create(f.run(agent.id));
      const first = await store.steps.create(
        f.step(agent.id, run.id, { created_at: f.at(100), error_data: { why: "x" }, tags: ["a"] }),
      );
      const second = await store.steps.create(
        f.step(agent.id, run.id, { created_at: f.at(200), model: "other" }),
      );
      const third = await store.steps.create(f.step(agent.id, otherRun.id, { created_at: f.at(300) }));
      expect(await store.steps.get(first.id)).toEqual(first);

      const rated = await store.steps.update(first.id, { feedback: "positive", completion_tokens: 42 });
      expect(rated).toEqual({ ...first, feedback: "positive", completion_tokens: 42 });
      expect(await store.steps.update(f.id("step"), { feedback: "negative" })).toBeUndefined();

      expect(ids(await store.steps.list({ run_id: run.id, order: "asc" }))).toEqual([first.id, second.id]);
      expect(ids(await store.steps.list({ agent_id: agent.id }))).toEqual([third.id, second.id, first.id]);
      expect(ids(await store.steps.list({ model: "other" }))).toEqual([second.id]);
      expect(ids(await store.steps.list({ feedback: "positive" }))).toEqual([first.id]);
      expect(ids(await store.steps.list({ start_date: f.at(150), end_date: f.at(300) }))).toEqual([
        third.id,
        second.id,
      ]);
    });
  });

  describe("conversations", () => {
    it("creates, updates, filters and deletes conversations", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const first = await store.conversations.create(
        f.conversation(agent.id, {
          summary: "Planning a TRIP to Lisbon",
          in_context_message_ids: ["message-1"],
        }),
      );
      const second = await store.conversations.create(
        f.conversation(agent.id, { archived: true, archived_at: f.now() }),
      );
      await store.conversations.create(f.conversation(other.id));
      expect(await store.conversations.get(first.id)).toEqual(first);

      const updated = await store.conversations.update(first.id, {
        description: "trip",
        isolated_block_ids: ["block-1"],
      });
      expect(updated).toMatchObject({
        description: "trip",
        isolated_block_ids: ["block-1"],
        summary: first.summary,
      });
      expect(updated?.updated_at).not.toBe(first.updated_at);
      expect(await store.conversations.update(f.id("conv"), { description: "x" })).toBeUndefined();

      expect(ids(await store.conversations.list({ agent_id: agent.id }))).toEqual([second.id, first.id]);
      expect(ids(await store.conversations.list({ agent_id: agent.id, archived: false }))).toEqual([
        first.id,
      ]);
      expect(ids(await store.conversations.list({ summary_search: "trip" }))).toEqual([first.id]);
      expect(ids(await store.conversations.list({ agent_id: agent.id, order: "asc", limit: 1 }))).toEqual([
        first.id,
      ]);
      expect(await store.conversations.delete(first.id)).toBe(true);
      expect(await store.conversations.delete(first.id)).toBe(false);
      expect(await store.conversations.get(first.id)).toBeUndefined();
    });
  });

  describe("identities", () => {
    it("keeps identities with their agents and blocks", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const block = await store.blocks.create(f.block(), { type: "user", id: null });
      const identity = await store.identities.create(
        f.identity({ agent_ids: [agent.id], block_ids: [block.id] }),
      );
      const org = await store.identities.create(f.identity({ identity_type: "org", project_id: "p" }));
      expect(await store.identities.get(identity.id)).toEqual(identity);

      const updated = await store.identities.update(identity.id, { name: "Ada", agent_ids: [other.id] });
      expect(updated).toEqual({ ...identity, name: "Ada", agent_ids: [other.id] });
      expect(await store.identities.update(f.id("identity"), { name: "x" })).toBeUndefined();

      // Identities carry no timestamp of their own: only membership is asserted, not order.
      expect(ids(await store.identities.list({})).sort()).toEqual([org.id, identity.id].sort());
      expect(ids(await store.identities.list({ identity_type: "org" }))).toEqual([org.id]);
      expect(ids(await store.identities.list({ identifier_key: identity.identifier_key }))).toEqual([
        identity.id,
      ]);
      expect(ids(await store.identities.list({ project_id: "p" }))).toEqual([org.id]);
      expect(ids(await store.identities.list({ name: "Ada" }))).toEqual([identity.id]);

      await store.identities.attach(agent.id, org.id);
      await store.identities.attach(agent.id, org.id);
      expect(ids(await store.identities.listForAgent(agent.id))).toEqual([org.id]);
      expect((await store.identities.get(org.id))?.agent_ids).toEqual([agent.id]);
      expect(await store.identities.detach(agent.id, org.id)).toBe(true);
      expect(await store.identities.detach(agent.id, org.id)).toBe(false);
      expect(await store.identities.delete(identity.id)).toBe(true);
      expect(await store.identities.get(identity.id)).toBeUndefined();
      expect(await store.identities.listForAgent(other.id)).toEqual([]);
    });
  });

  describe("groups", () => {
    it("keeps groups with their members in order, found from manager and members", async () => {
      const { store, f } = context;
      const primary = await store.agents.create(f.agent());
      const sleeper = await store.agents.create(f.agent());
      const third = await store.agents.create(f.agent());
      const group = await store.groups.create(
        f.group({
          manager_agent_id: primary.id,
          agent_ids: [sleeper.id, third.id],
          shared_block_ids: ["block-1"],
        }),
      );
      expect(await store.groups.get(group.id)).toEqual(group);
      expect(ids(await store.groups.listForAgent(primary.id))).toEqual([group.id]);
      expect(ids(await store.groups.listForAgent(third.id))).toEqual([group.id]);

      const updated = await store.groups.update(group.id, {
        turns_counter: 3,
        agent_ids: [third.id, sleeper.id],
      });
      expect(updated).toEqual({ ...group, turns_counter: 3, agent_ids: [third.id, sleeper.id] });
      expect(await store.groups.update(f.id("group"), { turns_counter: 1 })).toBeUndefined();
      // Concurrent increments all count (one statement each, no read-modify-write).
      const counts = await Promise.all(
        Array.from({ length: 5 }, () => store.groups.incrementTurns(group.id)),
      );
      expect([...counts].sort()).toEqual([4, 5, 6, 7, 8]);
      expect((await store.groups.get(group.id))?.turns_counter).toBe(8);
      expect(await store.groups.incrementTurns(f.id("group"))).toBeUndefined();
      expect(await store.groups.delete(group.id)).toBe(true);
      expect(await store.groups.delete(group.id)).toBe(false);
      expect(await store.groups.listForAgent(primary.id)).toEqual([]);
    });
  });
}
