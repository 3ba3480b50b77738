import { NotFoundError } from "@letta-ai/letta-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Conformance, createAgent, startConformance, walk } from "./harness.js";

const ids = (items: ReadonlyArray<{ id: string }>) => items.map((item) => item.id);

// Letta's cursor rules through the official client: message lists are chronological (`after` is newer,
// `before` older, whatever the order); other lists page in their order and ignore a deleted cursor.
describe("conformance: cursors", () => {
  let ctx: Conformance;

  beforeAll(async () => {
    ctx = await startConformance();
  });
  afterAll(async () => {
    await ctx?.close();
  });
  beforeEach(() => {
    ctx.openai.reset();
  });

  it("pages an agent's messages chronologically in both orders, and 404s an unknown cursor", async () => {
    const agent = await createAgent(ctx.client);
    for (const text of ["one", "two", "three"]) {
      ctx.openai.script.push({ text: `reply ${text}` });
      await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: text }] });
    }
    const oldestFirst = await walk(ctx.client.agents.messages.list(agent.id, { order: "asc", limit: 2 }));
    const newestFirst = (await ctx.client.agents.messages.list(agent.id, { limit: 100 })).getPaginatedItems();
    expect(ids(newestFirst)).toEqual(ids(oldestFirst).reverse());
    const oldest = oldestFirst[0]!;
    const newest = oldestFirst.at(-1)!;

    // `after` the oldest is everything newer, in either order (Reverie used to answer [] for desc).
    const afterOldest = await ctx.client.agents.messages.list(agent.id, { after: oldest.id, limit: 100 });
    expect(ids(afterOldest.getPaginatedItems())).toEqual(ids(newestFirst).slice(0, -1));
    const afterOldestAsc = await ctx.client.agents.messages.list(agent.id, {
      after: oldest.id,
      order: "asc",
      limit: 2,
    });
    expect(ids(afterOldestAsc.getPaginatedItems())).toEqual(ids(oldestFirst).slice(1, 3));
    // `before` the newest is everything older, newest first by default, closest first with a limit.
    const beforeNewest = await ctx.client.agents.messages.list(agent.id, { before: newest.id, limit: 2 });
    expect(ids(beforeNewest.getPaginatedItems())).toEqual(ids(newestFirst).slice(1, 3));
    const beforeNewestAsc = await ctx.client.agents.messages.list(agent.id, {
      before: newest.id,
      order: "asc",
      limit: 100,
    });
    expect(ids(beforeNewestAsc.getPaginatedItems())).toEqual(ids(oldestFirst).slice(0, -1));
    expect(
      (await ctx.client.agents.messages.list(agent.id, { after: newest.id })).getPaginatedItems(),
    ).toEqual([]);

    const unknown = "message-00000000-0000-4000-8000-00000000dead";
    const refused = await ctx.client.agents.messages.list(agent.id, { after: unknown }).catch((e) => e);
    expect(refused).toBeInstanceOf(NotFoundError);
    expect(refused.error.detail).toBe(`No message found with id '${unknown}' for agent '${agent.id}'.`);
  });

  it("pages agents, blocks and runs in their order both ways, to the end", async () => {
    const agents = [];
    for (let index = 0; index < 5; index++) agents.push(await createAgent(ctx.client, { tags: ["paging"] }));
    const created = ids(agents);
    const desc = ids(await walk(ctx.client.agents.list({ tags: ["paging"], limit: 2 })));
    const asc = ids(await walk(ctx.client.agents.list({ tags: ["paging"], limit: 2, order: "asc" })));
    expect(desc).toEqual([...created].reverse());
    expect(asc).toEqual(created);

    const blocks = [];
    for (const label of ["b1", "b2", "b3"]) {
      blocks.push(await ctx.client.blocks.create({ label, value: label, tags: ["paging"] }));
    }
    const blockIds = ids(blocks);
    expect(ids(await walk(ctx.client.blocks.list({ tags: ["paging"], limit: 1 })))).toEqual(blockIds);
    expect(ids(await walk(ctx.client.blocks.list({ tags: ["paging"], limit: 1, order: "desc" })))).toEqual(
      [...blockIds].reverse(),
    );

    const agent = agents[0]!;
    for (const text of ["r1", "r2", "r3"]) {
      ctx.openai.script.push({ text });
      await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: text }] });
    }
    const runsDesc = ids(await walk(ctx.client.runs.list({ agent_id: agent.id, limit: 1 })));
    const runsAsc = ids(await walk(ctx.client.runs.list({ agent_id: agent.id, limit: 1, order: "asc" })));
    expect(runsDesc).toHaveLength(3);
    expect(runsAsc).toEqual([...runsDesc].reverse());
  });

  it("lists and deletes every agent page by page: a cursor naming a deleted agent is ignored", async () => {
    for (let index = 0; index < 5; index++) await createAgent(ctx.client, { tags: ["doomed"] });
    // The common cleanup loop deletes each page's agents while the client asks for the next page
    // after the last (now deleted) one.
    let deleted = 0;
    for await (const agent of ctx.client.agents.list({ tags: ["doomed"], limit: 2 })) {
      await ctx.client.agents.delete(agent.id);
      deleted++;
      if (deleted > 20) throw new Error("the cleanup loop does not end");
    }
    expect(deleted).toBe(5);
    expect((await ctx.client.agents.list({ tags: ["doomed"] })).getPaginatedItems()).toEqual([]);
  });
});
