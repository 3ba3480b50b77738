import { describe, expect, it } from "vitest";
import { type ContractContext, ids } from "./contract-context.js";
import { vectorNear } from "./fixtures.js";

export function describeMessageContract(context: ContractContext): void {
  describe("messages", () => {
    it("appends in order with increasing sequence ids and reads them back", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const input = [
        f.message(agent.id, "system prompt", { role: "system" }),
        f.message(agent.id, "hi"),
        f.message(agent.id, "", {
          role: "assistant",
          content: [{ type: "reasoning", reasoning: "thinking", is_native: true, signature: null }],
          tool_calls: [
            { id: "call-1", type: "function", function: { name: "send_message", arguments: '{"m":"yo"}' } },
          ],
          is_err: false,
        }),
        f.message(agent.id, "", {
          role: "tool",
          content: [],
          tool_call_id: "call-1",
          tool_returns: [
            { tool_call_id: "call-1", status: "success", func_response: "ok", stdout: [], stderr: null },
          ],
        }),
      ];
      const stored = await store.messages.append(input);
      expect(ids(stored)).toEqual(ids(input));
      const sequence = stored.map((message) => message.sequence_id);
      expect([...sequence].sort((a, b) => a - b)).toEqual(sequence);
      expect(new Set(sequence).size).toBe(4);
      for (const message of stored) expect(await store.messages.get(message.id)).toEqual(message);
      expect(await store.messages.append([])).toEqual([]);
    });

    it("lists by sequence in both orders with after/before and past the end", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const stored = await store.messages.append(
        [0, 1, 2, 3, 4].map((index) => f.message(agent.id, `m${index}`)),
      );
      const [m0, m1, m2, m3, m4] = ids(stored) as [string, string, string, string, string];
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "asc" }))).toEqual([
        m0,
        m1,
        m2,
        m3,
        m4,
      ]);
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "desc", limit: 2 }))).toEqual([
        m4,
        m3,
      ]);
      // Message cursors are chronological, as in Letta: `after` is newer, `before` older, whatever the
      // order; with one cursor the page is the messages closest to it.
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "desc", after: m3 }))).toEqual([m4]);
      expect(
        ids(await store.messages.list({ agent_id: agent.id, order: "desc", after: m0, limit: 2 })),
      ).toEqual([m2, m1]);
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "asc", after: m3 }))).toEqual([m4]);
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "asc", before: m2 }))).toEqual([
        m0,
        m1,
      ]);
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "desc", before: m2 }))).toEqual([
        m1,
        m0,
      ]);
      expect(
        ids(await store.messages.list({ agent_id: agent.id, order: "asc", before: m4, limit: 2 })),
      ).toEqual([m2, m3]);
      expect(
        ids(await store.messages.list({ agent_id: agent.id, order: "desc", after: m0, before: m4 })),
      ).toEqual([m3, m2, m1]);
      expect(await store.messages.list({ agent_id: agent.id, order: "asc", after: m4 })).toEqual([]);
      expect(await store.messages.list({ agent_id: agent.id, order: "desc", after: m4 })).toEqual([]);
      // A cursor naming no message is ignored by the store (the agent's message list answers 404 first).
      expect(
        ids(await store.messages.list({ agent_id: agent.id, after: f.id("message"), limit: 1 })),
      ).toEqual([m4]);
    });

    it("orders by sequence even when created_at goes backwards", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const late = f.message(agent.id, "first appended", { created_at: f.at(10_000) });
      const early = f.message(agent.id, "second appended", { created_at: f.at(1) });
      await store.messages.append([late]);
      await store.messages.append([early]);
      expect(ids(await store.messages.list({ agent_id: agent.id, order: "asc" }))).toEqual([
        late.id,
        early.id,
      ]);
    });

    it("getMany returns messages in the order of the ids, skipping missing ones", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const [a, b, c] = await store.messages.append([
        f.message(agent.id, "a"),
        f.message(agent.id, "b"),
        f.message(agent.id, "c"),
      ]);
      const found = await store.messages.getMany([c?.id ?? "", f.id("message"), a?.id ?? "", b?.id ?? ""]);
      expect(ids(found)).toEqual([c?.id, a?.id, b?.id]);
    });

    it("finds each message's neighbouring turns in its own conversation, skipping other roles and agents", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const [first, tool, second, elsewhere, inConv, third, lastConv] = ids(
        await store.messages.append([
          f.message(agent.id, "first"),
          f.message(agent.id, "tool output", { role: "tool" }),
          f.message(agent.id, "second", { role: "assistant" }),
          f.message(other.id, "another agent"),
          f.message(agent.id, "in a conversation", { conversation_id: "conv-1" }),
          f.message(agent.id, "third"),
          f.message(agent.id, "conversation reply", { role: "assistant", conversation_id: "conv-1" }),
        ]),
      );
      const adjacent = await store.messages.adjacent(
        [first, second, third, inConv, lastConv, elsewhere, f.id("message")].map(String),
        ["user", "assistant"],
      );
      expect(adjacent.get(String(first))).toEqual({ previous: null, next: second });
      expect(adjacent.get(String(second))).toEqual({ previous: first, next: third });
      expect(adjacent.get(String(third))).toEqual({ previous: second, next: null });
      expect(adjacent.get(String(inConv))).toEqual({ previous: null, next: lastConv });
      expect(adjacent.get(String(lastConv))).toEqual({ previous: inConv, next: null });
      expect(adjacent.get(String(elsewhere))).toEqual({ previous: null, next: null });
      expect(adjacent.size).toBe(6);
      expect(tool).toBeDefined();
      expect(await store.messages.adjacent([], ["user"])).toEqual(new Map());
      expect(await store.messages.adjacent(["'; drop table messages; --"], ["user"])).toEqual(new Map());
    });

    it("filters by conversation (null = default), run, step, roles and inclusive dates, and counts", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const stored = await store.messages.append([
        f.message(agent.id, "default 1", { created_at: f.at(100) }),
        f.message(agent.id, "in conv", {
          conversation_id: "conv-1",
          run_id: "run-1",
          step_id: "step-1",
          created_at: f.at(200),
        }),
        f.message(agent.id, "reply", { role: "assistant", run_id: "run-1", created_at: f.at(300) }),
        f.message(other.id, "elsewhere", { created_at: f.at(400) }),
      ]);
      const [d1, conv, reply] = ids(stored);
      const list = (query: Parameters<typeof store.messages.list>[0]) =>
        store.messages.list({ order: "asc", ...query }).then(ids);
      expect(await list({ agent_id: agent.id })).toEqual([d1, conv, reply]);
      expect(await list({ agent_id: agent.id, conversation_id: null })).toEqual([d1, reply]);
      expect(await list({ agent_id: agent.id, conversation_id: "conv-1" })).toEqual([conv]);
      expect(await list({ run_id: "run-1" })).toEqual([conv, reply]);
      expect(await list({ step_id: "step-1" })).toEqual([conv]);
      expect(await list({ agent_id: agent.id, roles: ["assistant"] })).toEqual([reply]);
      expect(await list({ agent_id: agent.id, start_date: f.at(200), end_date: f.at(300) })).toEqual([
        conv,
        reply,
      ]);
      expect(await store.messages.count({ agent_id: agent.id })).toBe(3);
      expect(await store.messages.count({ agent_id: agent.id, conversation_id: null, roles: ["user"] })).toBe(
        1,
      );
    });

    it("keeps per-conversation counts right through appends and the agent's deletion", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const count = (agentId: string, conversationId?: string | null) =>
        store.messages.count({ agent_id: agentId, conversation_id: conversationId });
      expect(await count(agent.id, null)).toBe(0);
      await store.messages.append([
        f.message(agent.id, "default 1"),
        f.message(agent.id, "in conv", { conversation_id: "conv-1" }),
        f.message(other.id, "elsewhere"),
      ]);
      await store.transaction((tx) => tx.messages.append([f.message(agent.id, "default 2")]));
      await expect(
        store.transaction((tx) =>
          tx.messages.append([f.message(agent.id, "lost")]).then(() => {
            throw new Error("rolled back");
          }),
        ),
      ).rejects.toThrow("rolled back");
      expect(await count(agent.id, null)).toBe(2);
      expect(await count(agent.id, "conv-1")).toBe(1);
      expect(await count(agent.id, "conv-2")).toBe(0);
      expect(await count(agent.id)).toBe(3);
      expect(await store.agents.delete(agent.id)).toBe(true);
      expect(await count(agent.id)).toBe(0);
      expect(await count(agent.id, null)).toBe(0);
      expect(await count(other.id, null)).toBe(1);
    });

    it("updates content fields in place and keeps full-text search in sync", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const [system] = await store.messages.append([f.message(agent.id, "old prompt", { role: "system" })]);
      const updated = await store.messages.update(system?.id ?? "", {
        content: [{ type: "text", text: "rebuilt prompt mentioning pelicans" }],
      });
      expect(updated).toMatchObject({ id: system?.id, sequence_id: system?.sequence_id, role: "system" });
      expect(await store.messages.get(system?.id ?? "")).toEqual(updated);
      const hits = await store.messages.searchText({ agent_id: agent.id, query: "pelicans", limit: 5 });
      expect(hits.map((hit) => hit.message.id)).toEqual([system?.id]);
      expect(await store.messages.searchText({ agent_id: agent.id, query: "old", limit: 5 })).toEqual([]);
      expect(await store.messages.update(f.id("message"), { name: "x" })).toBeUndefined();
    });

    it("full-text search ranks the rare keyword first, filters, and survives arbitrary input", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const common = Array.from({ length: 8 }, (_, index) =>
        f.message(agent.id, `we talked about the weather ${index}`),
      );
      const rare = f.message(agent.id, "the weather and my cat Zanzibar");
      const toolCall = f.message(agent.id, "", {
        role: "assistant",
        content: [],
        tool_calls: [
          {
            id: "c",
            type: "function",
            function: { name: "web_search", arguments: '{"q":"island ferry"}' },
          },
        ],
      });
      await store.messages.append([
        ...common,
        rare,
        toolCall,
        f.message(other.id, "Zanzibar for the other agent"),
      ]);

      const hits = await store.messages.searchText({
        agent_id: agent.id,
        query: "weather zanzibar",
        limit: 3,
      });
      expect(hits).toHaveLength(3);
      expect(hits[0]?.message.id).toBe(rare.id);
      expect(hits.every((hit) => hit.message.agent_id === agent.id)).toBe(true);
      expect(hits[0]?.rank).toBeGreaterThan(hits[2]?.rank ?? Number.POSITIVE_INFINITY);

      const toolHits = await store.messages.searchText({ agent_id: agent.id, query: "ferry", limit: 5 });
      expect(toolHits.map((hit) => hit.message.id)).toEqual([toolCall.id]);
      const assistantOnly = await store.messages.searchText({
        agent_id: agent.id,
        query: "ferry weather",
        roles: ["assistant"],
        limit: 5,
      });
      expect(assistantOnly.map((hit) => hit.message.id)).toEqual([toolCall.id]);

      for (const hostile of [
        '"unbalanced',
        "weather AND (",
        "NEAR(x y",
        "*",
        "",
        "a:b OR -c",
        "'; drop table messages; --",
      ]) {
        await expect(
          store.messages.searchText({ agent_id: agent.id, query: hostile, limit: 5 }),
        ).resolves.toBeInstanceOf(Array);
      }
    });

    it("embeds messages per dimension, searches by vector with filters, and tracks what is unembedded", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const first = f.message(agent.id, "about sailing", { created_at: f.at(100) });
      const second = f.message(agent.id, "about cooking", { role: "assistant", created_at: f.at(200) });
      const third = f.message(agent.id, "about knitting", {
        created_at: f.at(300),
        conversation_id: "conv-1",
      });
      const empty = f.message(agent.id, "", { created_at: f.at(301) });
      const foreign = f.message(other.id, "other agent", { created_at: f.at(302) });
      await store.messages.append([first, second, third, empty, foreign]);

      const due = { agent_id: agent.id, model: "fake/a:3" };
      // The empty message has no text: never due.
      expect(ids(await store.messages.listUnembedded({ ...due, limit: 10 }))).toEqual(
        ids([first, second, third]),
      );
      expect(ids(await store.messages.listUnembedded({ ...due, limit: 1 }))).toEqual([first.id]);
      expect(await store.messages.countUnembedded(due)).toBe(3);
      expect(await store.messages.countUnembedded({ ...due, roles: ["assistant"] })).toBe(1);

      await store.messages.setEmbeddings([
        { id: first.id, embedding: vectorNear(3, 0, 0.1), model: "fake/a:3" },
        { id: second.id, embedding: vectorNear(3, 1, 0.1), model: "fake/a:3" },
        { id: third.id, embedding: null, model: "fake/a:3" },
        { id: f.id("message"), embedding: vectorNear(3, 0), model: "fake/a:3" },
      ]);
      await store.messages.setEmbeddings([
        { id: foreign.id, embedding: vectorNear(3, 0), model: "fake/a:3" },
      ]);
      expect(await store.messages.countUnembedded(due)).toBe(0);
      expect(await store.messages.listUnembedded({ ...due, limit: 10 })).toEqual([]);
      // Another model makes everything due again.
      expect(await store.messages.countUnembedded({ ...due, model: "fake/b:5" })).toBe(3);

      const nearest = await store.messages.searchVector({
        agent_id: agent.id,
        vector: vectorNear(3, 0),
        limit: 5,
      });
      expect(nearest.map((hit) => hit.message.id)).toEqual([first.id, second.id]);
      expect(nearest[0]?.message).toEqual(await store.messages.get(first.id));
      expect(nearest[0]?.distance).toBeLessThan(nearest[1]?.distance ?? 0);
      const assistantOnly = await store.messages.searchVector({
        agent_id: agent.id,
        roles: ["assistant"],
        vector: vectorNear(3, 0),
        limit: 5,
      });
      expect(assistantOnly.map((hit) => hit.message.id)).toEqual([second.id]);
      const late = await store.messages.searchVector({
        agent_id: agent.id,
        start_date: f.at(150),
        end_date: f.at(250),
        vector: vectorNear(3, 0),
        limit: 5,
      });
      expect(late.map((hit) => hit.message.id)).toEqual([second.id]);
      const everyone = await store.messages.searchVector({ vector: vectorNear(3, 0), limit: 1 });
      expect(everyone).toHaveLength(1);
      expect([first.id, foreign.id]).toContain(everyone[0]?.message.id);
      expect(
        await store.messages.searchVector({ agent_id: agent.id, vector: vectorNear(4, 0), limit: 5 }),
      ).toEqual([]);

      // Re-embedding into another dimension moves the message to that dimension's index.
      await store.messages.setEmbeddings([{ id: first.id, embedding: vectorNear(5, 2), model: "fake/b:5" }]);
      expect(
        (await store.messages.searchVector({ agent_id: agent.id, vector: vectorNear(3, 0), limit: 5 })).map(
          (hit) => hit.message.id,
        ),
      ).toEqual([second.id]);
      expect(
        (await store.messages.searchVector({ agent_id: agent.id, vector: vectorNear(5, 2), limit: 5 })).map(
          (hit) => hit.message.id,
        ),
      ).toEqual([first.id]);
      expect(await store.messages.countUnembedded({ ...due, model: "fake/b:5" })).toBe(2);

      // Rewriting a message's text forgets its old vector, so it is embedded again.
      await store.messages.update(second.id, { content: [{ type: "text", text: "about baking" }] });
      expect(ids(await store.messages.listUnembedded({ ...due, limit: 10 }))).toEqual([first.id, second.id]);
      expect(
        await store.messages.searchVector({
          agent_id: agent.id,
          roles: ["assistant"],
          vector: vectorNear(3, 1),
          limit: 5,
        }),
      ).toEqual([]);
    });
  });
}
