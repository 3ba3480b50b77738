import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

// Block history over HTTP: listing who changed a block (an agent in a run, a user), diffs, restore, undo
// and redo, each of which is itself a revision.
describeOnEachStore("block history", (kind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;
  let blockId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({
      store: kind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: unknown" }],
    });
    expect(created.status).toBe(200);
    agentId = created.body.id;
    blockId = created.body.memory.blocks.find((block: JsonBody) => block.label === "human").id;
  });
  afterEach(async () => {
    await t.close();
  });

  /** The agent replaces its "Name" line through a tool call; returns the run id. */
  async function agentEdit(from: string, to: string): Promise<string> {
    openai.script.push(
      {
        toolCalls: [
          { name: "memory_replace", arguments: { label: "human", old_string: from, new_string: to } },
        ],
      },
      { text: "Noted." },
    );
    const sent = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: `I am ${to}` }],
    });
    expect(sent.status).toBe(200);
    return sent.body.usage.run_ids[0];
  }

  const history = async (query = "") => {
    const listed = await t.call("GET", `/v1/blocks/${blockId}/history${query}`);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    return listed.body as JsonBody[];
  };
  const value = async () => (await t.call("GET", `/v1/blocks/${blockId}`)).body.value;

  it("lists revisions newest first with actor, run, time, old and new value, paged by cursor", async () => {
    const runId = await agentEdit("Name: unknown", "Name: Ada");
    expect((await t.call("PATCH", `/v1/blocks/${blockId}`, { value: "Name: Ada\nLikes: tea" })).status).toBe(
      200,
    );

    const all = await history();
    expect(all.map((revision) => [revision.seq, revision.operation, revision.actor_type])).toEqual([
      [3, "edit", "user"],
      [2, "edit", "agent"],
      [1, "create", "user"],
    ]);
    expect(all[1]).toMatchObject({
      block_id: blockId,
      actor_id: agentId,
      run_id: runId,
      old_value: "Name: unknown",
      new_value: "Name: Ada",
      old_label: "human",
      new_label: "human",
      undo_seq: 2,
      redo_seq: null,
    });
    expect(all[0]).toMatchObject({
      actor_id: null,
      run_id: null,
      new_value: "Name: Ada\nLikes: tea",
      undo_seq: 3,
    });
    expect(Date.parse(all[0].created_at)).toBeGreaterThan(Date.parse(all[2].created_at));

    const firstPage = await history("?limit=2");
    expect(firstPage.map((revision) => revision.seq)).toEqual([3, 2]);
    expect((await history(`?limit=2&after=${firstPage[1].id}`)).map((revision) => revision.seq)).toEqual([1]);
    expect((await history(`?order=asc&limit=1&after=${all[2].id}`)).map((revision) => revision.seq)).toEqual([
      2,
    ]);
    expect((await t.call("GET", `/v1/blocks/${blockId}/history/${all[1].id}`)).body).toEqual(all[1]);
  });

  it("diffs what a revision changed, and any two revisions", async () => {
    await t.call("PATCH", `/v1/blocks/${blockId}`, { value: "Name: Ada\nCity: Paris" });
    await t.call("PATCH", `/v1/blocks/${blockId}`, { value: "Name: Ada\nCity: Rome\nLikes: tea" });
    const [third, second, first] = await history();

    const latest = await t.call("GET", `/v1/blocks/${blockId}/diff`);
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({
      block_id: blockId,
      from_revision_id: null,
      to_revision_id: third.id,
      to_seq: 3,
      old_value: "Name: Ada\nCity: Paris",
      new_value: "Name: Ada\nCity: Rome\nLikes: tea",
      diff: " Name: Ada\n-City: Paris\n+City: Rome\n+Likes: tea",
      added: 2,
      removed: 1,
    });
    expect(latest.body.lines).toEqual([
      { op: "equal", text: "Name: Ada" },
      { op: "delete", text: "City: Paris" },
      { op: "insert", text: "City: Rome" },
      { op: "insert", text: "Likes: tea" },
    ]);

    const span = await t.call("GET", `/v1/blocks/${blockId}/diff?from=${first.id}&to=${second.id}`);
    expect(span.body).toMatchObject({
      from_seq: 1,
      to_seq: 2,
      old_value: "Name: unknown",
      new_value: "Name: Ada\nCity: Paris",
      diff: "-Name: unknown\n+Name: Ada\n+City: Paris",
    });
    const creation = await t.call("GET", `/v1/blocks/${blockId}/diff?to=${first.id}`);
    expect(creation.body).toMatchObject({
      old_value: null,
      old_label: null,
      diff: "+Name: unknown",
      added: 1,
    });
  });

  it("restores a chosen revision as a new revision, which can itself be undone", async () => {
    await agentEdit("Name: unknown", "Name: Ada");
    await agentEdit("Name: Ada", "Name: Bob");
    const [, ada] = await history();

    const restored = await t.call("POST", `/v1/blocks/${blockId}/restore`, { revision_id: ada.id });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(restored.body.block).toMatchObject({ id: blockId, value: "Name: Ada" });
    expect(restored.body.revision).toMatchObject({
      seq: 4,
      operation: "restore",
      target_seq: 2,
      actor_type: "user",
      old_value: "Name: Bob",
      new_value: "Name: Ada",
      undo_seq: 4,
    });
    expect(await value()).toBe("Name: Ada");
    expect((await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`)).body.value).toBe(
      "Name: Ada",
    );

    const undone = await t.call("POST", `/v1/blocks/${blockId}/undo`);
    expect(undone.body.block.value).toBe("Name: Bob");
    expect(await history()).toHaveLength(5);
  });

  it("undoes the agent's edits one by one and redoes them, until a new edit", async () => {
    await agentEdit("Name: unknown", "Name: Ada");
    await agentEdit("Name: Ada", "Name: Bob");

    const undo = () => t.call("POST", `/v1/blocks/${blockId}/undo`);
    const redo = () => t.call("POST", `/v1/blocks/${blockId}/redo`);
    const first = await undo();
    expect(first.status).toBe(200);
    expect(first.body.block.value).toBe("Name: Ada");
    expect(first.body.revision).toMatchObject({ operation: "undo", target_seq: 3, undo_seq: 2, redo_seq: 3 });
    expect((await undo()).body.block.value).toBe("Name: unknown");

    const nothing = await undo();
    expect(nothing.status).toBe(409);
    expect(nothing.body.detail).toBe("Nothing to undo: block 'human' has no edit left to revert");

    expect((await redo()).body.block.value).toBe("Name: Ada");
    expect((await redo()).body.block.value).toBe("Name: Bob");
    expect((await redo()).status).toBe(409);

    expect((await undo()).body.block.value).toBe("Name: Ada");
    // A new edit after an undo: the undone edit cannot be redone any more; undo reverts the new edit.
    await t.call("PATCH", `/v1/blocks/${blockId}`, { value: "Name: Carol" });
    const stale = await redo();
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toBe("Nothing to redo: block 'human' has no undone edit to apply");
    expect((await undo()).body.block.value).toBe("Name: Ada");

    // The agent sees the undone value in its next prompt.
    openai.script.push({ text: "Hello Ada." });
    await t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: "hi" }] });
    const prompts = openai.requests.filter((request) => request.endpoint === "completion");
    const system = (prompts.at(-1)!.body as { messages: Array<{ content: string }> }).messages[0]?.content;
    expect(system).toContain("Name: Ada");
    expect(system).not.toContain("Name: Carol");
  });

  it("undoes a relabel along with its value, and refuses what would clash, writing nothing", async () => {
    await t.call("PATCH", `/v1/blocks/${blockId}`, { label: "person", value: "Name: Ada" });
    const undone = await t.call("POST", `/v1/blocks/${blockId}/undo`);
    expect(undone.body.block).toMatchObject({ label: "human", value: "Name: unknown" });

    // Attach another block labelled "person": redoing the relabel would give the agent two.
    const other = await t.call("POST", "/v1/blocks/", { label: "person", value: "x" });
    expect(
      (await t.call("PATCH", `/v1/agents/${agentId}/core-memory/blocks/attach/${other.body.id}`)).status,
    ).toBe(200);
    const before = await history();
    const clash = await t.call("POST", `/v1/blocks/${blockId}/redo`);
    expect(clash.status).toBe(409);
    expect(await history()).toEqual(before);
  });

  it("refuses bad requests with a clear 4xx and writes nothing", async () => {
    await t.call("PATCH", `/v1/blocks/${blockId}`, { value: "Name: a much longer value than before" });
    const [, created] = await history();
    const other = (await t.call("POST", "/v1/blocks/", { label: "other", value: "x" })).body;
    const [otherRevision] = (await t.call("GET", `/v1/blocks/${other.id}/history`)).body;
    const before = await history();
    const missingBlock = "block-00000000-0000-4000-8000-00000000ffff";

    const cases: Array<[string, string, unknown, number, string | RegExp]> = [
      [
        "GET",
        `/v1/blocks/${missingBlock}/history`,
        undefined,
        404,
        `Block with id '${missingBlock}' not found`,
      ],
      [
        "POST",
        `/v1/blocks/${missingBlock}/undo`,
        undefined,
        404,
        `Block with id '${missingBlock}' not found`,
      ],
      [
        "GET",
        `/v1/blocks/${blockId}/history/${otherRevision.id}`,
        undefined,
        404,
        /^Revision '.*' of block '.*' not found$/,
      ],
      ["GET", `/v1/blocks/${blockId}/diff?from=${otherRevision.id}`, undefined, 404, /not found/],
      [
        "GET",
        `/v1/blocks/${blockId}/history?after=${otherRevision.id}`,
        undefined,
        404,
        /is not a revision of block/,
      ],
      ["GET", `/v1/blocks/${blockId}/history?limit=0`, undefined, 422, /limit/],
      ["POST", `/v1/blocks/${blockId}/restore`, { revision_id: otherRevision.id }, 422, /not found/],
      ["POST", `/v1/blocks/${blockId}/restore`, {}, 422, /revision_id/],
      ["POST", `/v1/blocks/${blockId}/restore`, { revision_id: 7 }, 422, /revision_id/],
      ["POST", `/v1/blocks/${blockId}/restore`, "not json", 400, /JSON/i],
      ["POST", `/v1/blocks/${blockId}/redo`, undefined, 409, /Nothing to redo/],
    ];
    for (const [method, path, body, status, detail] of cases) {
      const response = await t.call(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.body.detail, `${method} ${path}`).toMatch(detail);
    }

    // Restoring a value longer than the block's current limit is refused; raising the limit lets it.
    await t.call("PATCH", `/v1/blocks/${blockId}`, { value: "short", limit: 10 });
    const afterLimit = await history();
    const tooLong = await t.call("POST", `/v1/blocks/${blockId}/restore`, { revision_id: before[0].id });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.detail).toBe(
      `The value of revision 2 of block 'human' is 37 characters, over the block's limit of 10; raise the limit (PATCH /v1/blocks/${blockId}) first`,
    );
    expect(await history()).toEqual(afterLimit);
    expect(await value()).toBe("short");
    await t.call("PATCH", `/v1/blocks/${blockId}`, { limit: 100 });
    expect((await t.call("POST", `/v1/blocks/${blockId}/restore`, { revision_id: created.id })).status).toBe(
      200,
    );
    expect(await value()).toBe("Name: unknown");
  });

  it("are documented in /openapi.json", async () => {
    const paths = Object.keys((await t.call("GET", "/openapi.json")).body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/v1/blocks/{block_id}/history",
        "/v1/blocks/{block_id}/history/{revision_id}",
        "/v1/blocks/{block_id}/diff",
        "/v1/blocks/{block_id}/restore",
        "/v1/blocks/{block_id}/undo",
        "/v1/blocks/{block_id}/redo",
      ]),
    );
  });
});
