import { describe, expect, it } from "vitest";
import { type ContractContext, ids } from "./contract-context.js";

export function describeAgentContract(context: ContractContext): void {
  describe("agents", () => {
    it("creates and reads back an agent field for field", async () => {
      const { store, f } = context;
      const agent = f.agent({
        tags: ["b", "a"],
        message_buffer_autoclear: true,
        enable_sleeptime: false,
        model_settings: { temperature: 0.2, nested: { list: [1, 2] } },
        last_run_completion: f.now(),
      });
      expect(await store.agents.create(agent)).toEqual(agent);
      expect(await store.agents.get(agent.id)).toEqual(agent);
      expect(await store.agents.get(f.id("agent"))).toBeUndefined();
    });

    it("updates given fields, bumps updated_at, and returns undefined for an unknown agent", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent({ name: "before" }));
      const updated = await store.agents.update(agent.id, { name: "after", message_ids: ["message-1"] });
      expect(updated).toMatchObject({ name: "after", message_ids: ["message-1"], system: agent.system });
      expect(updated?.updated_at).not.toBe(agent.updated_at);
      expect(await store.agents.get(agent.id)).toEqual(updated);
      expect(await store.agents.update(f.id("agent"), { name: "x" })).toBeUndefined();
    });

    it("pages by creation time in both orders, with after/before and past the end", async () => {
      const { store, f } = context;
      const created = [];
      for (let index = 0; index < 5; index++) created.push(await store.agents.create(f.agent()));
      const [a0, a1, a2, a3, a4] = ids(created) as [string, string, string, string, string];

      expect(ids(await store.agents.list({}))).toEqual([a4, a3, a2, a1, a0]);
      expect(ids(await store.agents.list({ order: "asc" }))).toEqual([a0, a1, a2, a3, a4]);
      expect(ids(await store.agents.list({ order: "asc", limit: 2 }))).toEqual([a0, a1]);
      expect(ids(await store.agents.list({ order: "asc", after: a1, limit: 2 }))).toEqual([a2, a3]);
      expect(ids(await store.agents.list({ order: "desc", after: a3, limit: 2 }))).toEqual([a2, a1]);
      expect(ids(await store.agents.list({ order: "asc", before: a2 }))).toEqual([a0, a1]);
      expect(ids(await store.agents.list({ order: "desc", before: a2 }))).toEqual([a4, a3]);
      expect(ids(await store.agents.list({ order: "asc", after: a0, before: a4 }))).toEqual([a1, a2, a3]);
      // With `before` and a limit, the page is the items closest to the cursor, in the requested order.
      expect(ids(await store.agents.list({ order: "asc", before: a3, limit: 2 }))).toEqual([a1, a2]);
      expect(ids(await store.agents.list({ order: "desc", before: a1, limit: 2 }))).toEqual([a3, a2]);
      expect(await store.agents.list({ order: "asc", after: a4 })).toEqual([]);
      expect(await store.agents.list({ order: "asc", before: a0, limit: 2 })).toEqual([]);
      expect(await store.agents.list({ order: "desc", after: a0 })).toEqual([]);
    });

    it("visits every item when a client pages forwards with after or backwards with before", async () => {
      const { store, f } = context;
      const created = [];
      for (let index = 0; index < 7; index++) created.push(await store.agents.create(f.agent()));
      for (const order of ["asc", "desc"] as const) {
        const forwards: string[] = [];
        for (let page = await store.agents.list({ order, limit: 3 }); page.length > 0; ) {
          forwards.push(...ids(page));
          page = await store.agents.list({ order, limit: 3, after: page[page.length - 1]?.id });
        }
        expect(forwards).toEqual(order === "asc" ? ids(created) : ids(created).reverse());

        // As the Letta SDK does: start before an item, then re-send `before = <first item of the page>`.
        const last = order === "asc" ? created[6] : created[0];
        const backwards: string[] = [];
        for (let page = await store.agents.list({ order, limit: 3, before: last?.id }); page.length > 0; ) {
          backwards.unshift(...ids(page));
          page = await store.agents.list({ order, limit: 3, before: page[0]?.id });
        }
        const expected = order === "asc" ? ids(created).slice(0, 6) : ids(created).reverse().slice(0, 6);
        expect(backwards).toEqual(expected);
      }
    });

    it("breaks created_at ties by id so paging never skips or repeats", async () => {
      const { store, f } = context;
      const time = f.now();
      const created = [];
      for (let index = 0; index < 4; index++) {
        created.push(await store.agents.create(f.agent({ created_at: time, updated_at: time })));
      }
      const sorted = ids(created).sort();
      const first = await store.agents.list({ order: "asc", limit: 2 });
      const second = await store.agents.list({ order: "asc", limit: 2, after: first[1]?.id });
      expect([...ids(first), ...ids(second)]).toEqual(sorted);
    });

    it("ignores a cursor that names no agent, as Letta does (a deleted one must not break paging)", async () => {
      const { store, f } = context;
      const kept = await store.agents.create(f.agent());
      const deleted = await store.agents.create(f.agent());
      await store.agents.delete(deleted.id);
      expect(ids(await store.agents.list({ after: deleted.id }))).toEqual([kept.id]);
      expect(ids(await store.agents.list({ before: f.id("agent") }))).toEqual([kept.id]);
    });

    it("filters by name, name substring ignoring case, project, stop reason and counts the same", async () => {
      const { store, f } = context;
      const alpha = await store.agents.create(f.agent({ name: "Alpha Centauri", project_id: "p1" }));
      const beta = await store.agents.create(f.agent({ name: "beta", last_stop_reason: "end_turn" }));
      await store.agents.create(f.agent({ name: "gamma" }));

      expect(ids(await store.agents.list({ name: "beta" }))).toEqual([beta.id]);
      expect(ids(await store.agents.list({ query_text: "CENTAUR" }))).toEqual([alpha.id]);
      expect(ids(await store.agents.list({ query_text: "A", order: "asc" })).length).toBe(3);
      expect(ids(await store.agents.list({ project_id: "p1" }))).toEqual([alpha.id]);
      expect(ids(await store.agents.list({ last_stop_reason: "end_turn" }))).toEqual([beta.id]);
      expect(await store.agents.count()).toBe(3);
      expect(await store.agents.count({ query_text: "ET" })).toBe(1);
    });

    it("filters by tags (any or all) and keeps the tag mirror in sync on update", async () => {
      const { store, f } = context;
      const red = await store.agents.create(f.agent({ tags: ["red"] }));
      const both = await store.agents.create(f.agent({ tags: ["red", "blue"] }));
      const blue = await store.agents.create(f.agent({ tags: ["blue"] }));

      expect(ids(await store.agents.list({ tags: ["red", "blue"], order: "asc" }))).toEqual([
        red.id,
        both.id,
        blue.id,
      ]);
      expect(ids(await store.agents.list({ tags: ["red", "blue"], match_all_tags: true }))).toEqual([
        both.id,
      ]);
      expect(await store.agents.count({ tags: ["red"] })).toBe(2);

      await store.agents.update(red.id, { tags: ["green"] });
      expect(ids(await store.agents.list({ tags: ["red"] }))).toEqual([both.id]);
      expect(ids(await store.agents.list({ tags: ["green"] }))).toEqual([red.id]);
    });

    it("lists distinct tags sorted, searchable and paged by tag value", async () => {
      const { store, f } = context;
      // Lower-case only: collations disagree on how cases sort against each other.
      await store.agents.create(f.agent({ tags: ["zeta", "alpha"] }));
      await store.agents.create(f.agent({ tags: ["beta", "alpha", "zeta"] }));

      expect(await store.agents.listTags({})).toEqual(["alpha", "beta", "zeta"]);
      expect(await store.agents.listTags({ query_text: "ALP" })).toEqual(["alpha"]);
      expect(await store.agents.listTags({ after: "alpha", limit: 1 })).toEqual(["beta"]);
      expect(await store.agents.listTags({ before: "zeta", limit: 1 })).toEqual(["beta"]);
      expect(await store.agents.listTags({ order: "desc", limit: 2 })).toEqual(["zeta", "beta"]);
    });

    it("deletes an agent with its links, messages, runs and steps, but keeps shared blocks and tools", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent({ tags: ["gone"] }));
      const other = await store.agents.create(f.agent());
      const block = await store.blocks.create(f.block(), { type: "user", id: null });
      const tool = await store.tools.create(f.tool());
      await store.blocks.attach(agent.id, block.id);
      await store.blocks.attach(other.id, block.id);
      await store.tools.attach(agent.id, tool.id);
      const [message] = await store.messages.append([f.message(agent.id, "hello")]);
      const run = await store.runs.create(f.run(agent.id));
      const step = await store.steps.create(f.step(agent.id, run.id));

      expect(await store.agents.delete(agent.id)).toBe(true);
      expect(await store.agents.get(agent.id)).toBeUndefined();
      expect(await store.agents.delete(agent.id)).toBe(false);
      expect(await store.messages.get(message?.id ?? "")).toBeUndefined();
      expect(await store.runs.get(run.id)).toBeUndefined();
      expect(await store.steps.get(step.id)).toBeUndefined();
      expect(await store.agents.listTags({})).toEqual([]);
      expect(await store.blocks.get(block.id)).toBeDefined();
      expect(await store.blocks.agentIds(block.id)).toEqual([other.id]);
      expect(await store.tools.get(tool.id)).toBeDefined();
    });
  });
}
