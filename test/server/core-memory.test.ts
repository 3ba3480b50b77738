import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentState, Block } from "../../src/domain/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("agent core memory API", () => {
  let t: TestApp;
  let first: AgentState;
  let second: AgentState;
  let shared: Block;

  beforeEach(async () => {
    t = await createTestApp();
    shared = (await t.call("POST", "/v1/blocks/", { label: "project", value: "Reverie is a server." })).body;
    first = (
      await t.call("POST", "/v1/agents/", {
        name: "first",
        memory_blocks: [{ label: "persona", value: "first persona" }],
        block_ids: [shared.id],
      })
    ).body;
    second = (
      await t.call("POST", "/v1/agents/", {
        name: "second",
        memory_blocks: [{ label: "persona", value: "p2" }],
      })
    ).body;
  });
  afterEach(async () => {
    await t.close();
  });

  it("shares one block between agents: an edit through one is seen by the other", async () => {
    const attached = await t.call("PATCH", `/v1/agents/${second.id}/core-memory/blocks/attach/${shared.id}`);
    expect(attached.status).toBe(200);
    expect(attached.body.blocks.map((block: { label: string }) => block.label).sort()).toEqual([
      "persona",
      "project",
    ]);

    const edited = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/project`, {
      value: "Reverie speaks Letta.",
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: shared.id, value: "Reverie speaks Letta." });

    const seen = await t.call("GET", `/v1/agents/${second.id}/core-memory/blocks/project`);
    expect(seen.body).toMatchObject({ id: shared.id, value: "Reverie speaks Letta." });
    const revisions = await t.store.blocks.revisions(shared.id, { order: "asc" });
    expect(revisions.at(-1)).toMatchObject({
      new_value: "Reverie speaks Letta.",
      actor_type: "user",
      actor_id: null,
    });
  });

  it("lists an agent's blocks newest first, with paging", async () => {
    const list = await t.call("GET", `/v1/agents/${first.id}/core-memory/blocks`);
    expect(list.status).toBe(200);
    const persona = first.blocks.find((block) => block.label === "persona")!;
    expect(list.body.map((block: { id: string }) => block.id)).toEqual([persona.id, shared.id]);
    const asc = await t.call("GET", `/v1/agents/${first.id}/core-memory/blocks?order=asc&limit=1`);
    expect(asc.body.map((block: { id: string }) => block.id)).toEqual([shared.id]);
    const next = await t.call(
      "GET",
      `/v1/agents/${first.id}/core-memory/blocks?order=asc&after=${shared.id}`,
    );
    expect(next.body.map((block: { id: string }) => block.id)).toEqual([persona.id]);
    const end = await t.call(
      "GET",
      `/v1/agents/${first.id}/core-memory/blocks?order=asc&after=${persona.id}`,
    );
    expect(end.body).toEqual([]);
  });

  it("refuses to attach a second block with a label the agent already has (409)", async () => {
    const other = (await t.call("POST", "/v1/blocks/", { label: "persona", value: "another persona" })).body;
    const clash = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/attach/${other.id}`);
    expect(clash.status).toBe(409);
    expect(clash.body.detail).toMatch(/already has a block labelled 'persona'/);
    expect(clash.headers.get("x-should-retry")).toBe("false");
    // Attaching the same block again is harmless.
    const again = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/attach/${shared.id}`);
    expect(again.status).toBe(200);
    expect(again.body.blocks).toHaveLength(2);
  });

  it("detaches a block without deleting it", async () => {
    const detached = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/detach/${shared.id}`);
    expect(detached.status).toBe(200);
    expect(detached.body.blocks.map((block: { label: string }) => block.label)).toEqual(["persona"]);
    expect((await t.call("GET", `/v1/agents/${first.id}/core-memory/blocks/project`)).status).toBe(404);
    expect((await t.call("GET", `/v1/blocks/${shared.id}`)).status).toBe(200);
    expect(
      (await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/detach/${shared.id}`)).status,
    ).toBe(404);
  });

  it("renames through core memory, refusing a label clash", async () => {
    const clash = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/project`, {
      label: "persona",
    });
    expect(clash.status).toBe(409);
    const renamed = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/project`, {
      label: "work",
    });
    expect(renamed.status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${first.id}/core-memory/blocks/work`)).body.id).toBe(shared.id);
  });

  it("answers unknown labels and blocks with 404s that name them", async () => {
    const label = await t.call("GET", `/v1/agents/${first.id}/core-memory/blocks/nope`);
    expect(label.status).toBe(404);
    expect(label.body.detail).toBe(`Block with label 'nope' not found for agent '${first.id}'`);
    const block = await t.call("PATCH", `/v1/agents/${first.id}/core-memory/blocks/attach/block-nope`);
    expect(block.status).toBe(404);
    expect(block.body.detail).toBe("Block with id 'block-nope' not found");
  });
});
