import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./test-app.js";

describe("blocks API", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const createBlock = async (body: Record<string, unknown>) => {
    const response = await t.call("POST", "/v1/blocks/", body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  it("creates, reads, modifies and deletes a block, recording a revision per write", async () => {
    const block = await createBlock({ label: "notes", value: "first", tags: ["t1"], metadata: { a: 1 } });
    expect(block).toMatchObject({
      label: "notes",
      value: "first",
      limit: 100_000,
      read_only: false,
      tags: ["t1"],
      metadata: { a: 1 },
      is_template: false,
    });
    expect(block.id).toMatch(/^block-/);
    expect((await t.call("GET", `/v1/blocks/${block.id}/`)).body).toEqual(block);

    const modified = await t.call("PATCH", `/v1/blocks/${block.id}`, {
      value: "second",
      limit: 50,
      read_only: true,
    });
    expect(modified.status).toBe(200);
    expect(modified.body).toMatchObject({ value: "second", limit: 50, read_only: true, label: "notes" });

    const revisions = await t.store.blocks.revisions(block.id, { order: "asc" });
    expect(
      revisions.map((revision) => [
        revision.old_value,
        revision.new_value,
        revision.actor_type,
        revision.actor_id,
      ]),
    ).toEqual([
      [null, "first", "user", null],
      ["first", "second", "user", null],
    ]);

    expect((await t.call("DELETE", `/v1/blocks/${block.id}`)).status).toBe(200);
    const gone = await t.call("GET", `/v1/blocks/${block.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toBe(`Block with id '${block.id}' not found`);
  });

  it("refuses a value longer than the block's limit, on create and on modify", async () => {
    const tooLong = await t.call("POST", "/v1/blocks/", { label: "x", value: "abcdef", limit: 3 });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.detail).toMatch(/exceeds its 3 character limit/);
    const block = await createBlock({ label: "x", value: "abc", limit: 3 });
    const grown = await t.call("PATCH", `/v1/blocks/${block.id}`, { value: "abcd" });
    expect(grown.status).toBe(422);
    expect((await t.call("GET", `/v1/blocks/${block.id}`)).body.value).toBe("abc");
  });

  it("validates bodies with field-level details", async () => {
    const wrongTypes = await t.call("POST", "/v1/blocks/", { label: 5, value: ["no"] });
    expect(wrongTypes.status).toBe(422);
    expect(wrongTypes.body.detail).toMatch(/^Invalid body: label: .*; value: /);
    expect(wrongTypes.body.errors.map((error: { loc: unknown[] }) => error.loc)).toEqual([
      ["body", "label"],
      ["body", "value"],
    ]);
    const missing = await t.call("POST", "/v1/blocks/", { label: "x" });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatch(/value/);
    const badLabel = await t.call("POST", "/v1/blocks/", { label: "has space", value: "" });
    expect(badLabel.status).toBe(422);
    expect(badLabel.body.detail).toMatch(/label must not contain spaces/);
  });

  it("filters and pages the block list (oldest first by default)", async () => {
    const a = await createBlock({ label: "persona", value: "I like tea", tags: ["x"] });
    const b = await createBlock({ label: "human", value: "Likes coffee" });
    const c = await createBlock({
      label: "persona",
      value: "I like TEA too",
      is_template: true,
      template_name: "tpl",
    });
    const labels = async (query: string) =>
      ((await t.call("GET", `/v1/blocks/${query}`)).body as Array<{ id: string }>).map((block) => block.id);
    expect(await labels("")).toEqual([a.id, b.id, c.id]);
    expect(await labels("?order=desc&limit=2")).toEqual([c.id, b.id]);
    expect(await labels(`?after=${a.id}&limit=1`)).toEqual([b.id]);
    expect(await labels(`?after=${c.id}`)).toEqual([]);
    expect(await labels("?label=persona")).toEqual([a.id, c.id]);
    expect(await labels("?label_search=ERS")).toEqual([a.id, c.id]);
    expect(await labels("?value_search=tea")).toEqual([a.id, c.id]);
    expect(await labels("?templates_only=true")).toEqual([c.id]);
    expect(await labels("?templates_only=true&name=other")).toEqual([]);
    expect(await labels("?tags=x")).toEqual([a.id]);
  });

  it("lists the agents a block is attached to", async () => {
    const block = await createBlock({ label: "project", value: "Reverie" });
    const first = (await t.call("POST", "/v1/agents/", { name: "one", block_ids: [block.id] })).body;
    const second = (await t.call("POST", "/v1/agents/", { name: "two", block_ids: [block.id] })).body;
    await t.call("POST", "/v1/agents/", { name: "three" });
    const agents = await t.call("GET", `/v1/blocks/${block.id}/agents`);
    expect(agents.status).toBe(200);
    expect(agents.body.map((agent: { id: string }) => agent.id)).toEqual([second.id, first.id]);
    expect(agents.body[0].blocks[0].id).toBe(block.id);
    const paged = await t.call("GET", `/v1/blocks/${block.id}/agents?limit=1&after=${second.id}`);
    expect(paged.body.map((agent: { id: string }) => agent.id)).toEqual([first.id]);
    expect((await t.call("GET", "/v1/blocks/block-00000000-0000-4000-8000-0000000000ff/agents")).status).toBe(
      404,
    );
  });
});
