import Letta from "@letta-ai/letta-client";
import { afterEach, beforeEach, expect, it } from "vitest";
import { withOrganization } from "../../src/store/tenancy.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const OTHER_ORG = "org-00000000-0000-4000-8000-0000000000c3";

describeOnEachStore("identities", (storeKind) => {
  let t: TestApp;
  let client: Letta;

  beforeEach(async () => {
    t = await createTestApp({ store: storeKind });
    client = new Letta({
      baseURL: "http://localhost",
      apiKey: null,
      maxRetries: 0,
      fetch: async (input, init) => t.app.request(String(input), init),
    });
  });
  afterEach(async () => {
    expect(t.logged).toEqual([]);
    await t.close();
  });

  const newAgent = async (name: string) =>
    (await t.call("POST", "/v1/agents/", { name, model: "openai/gpt-4o-mini", memory_blocks: [] })).body;

  it("creates, upserts, lists with filters, reads, modifies, counts and deletes identities", async () => {
    const agent = await newAgent("support-bot");
    const created = await t.call("POST", "/v1/identities/", {
      identifier_key: "user-42",
      name: "Ada",
      identity_type: "user",
      agent_ids: [agent.id],
      properties: [{ key: "plan", value: "pro", type: "string" }],
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      identifier_key: "user-42",
      name: "Ada",
      identity_type: "user",
      project_id: null,
      agent_ids: [agent.id],
      block_ids: [],
      properties: [{ key: "plan", value: "pro", type: "string" }],
    });
    expect(created.body.id).toMatch(/^identity-/);
    const id: string = created.body.id;

    const duplicate = await t.call("POST", "/v1/identities/", {
      identifier_key: "user-42",
      name: "Ada again",
      identity_type: "user",
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.detail).toMatch(/PUT \/v1\/identities/);

    // Upsert: the same key updates the one there is (its agents stay when none are sent); a new key creates.
    const upserted = await t.call("PUT", "/v1/identities/", {
      identifier_key: "user-42",
      name: "Ada Lovelace",
      identity_type: "user",
    });
    expect(upserted.status).toBe(200);
    expect(upserted.body).toMatchObject({ id, name: "Ada Lovelace", agent_ids: [agent.id], properties: [] });
    const org = await t.call("PUT", "/v1/identities/", {
      identifier_key: "acme",
      name: "Acme",
      identity_type: "org",
    });
    expect(org.body.id).not.toBe(id);

    const names = async (query: string) =>
      ((await t.call("GET", `/v1/identities/${query}`)).body as JsonBody[]).map((identity) => identity.name);
    expect((await names("")).sort()).toEqual(["Acme", "Ada Lovelace"]);
    expect(await names("?identity_type=org")).toEqual(["Acme"]);
    expect(await names("?identifier_key=user-42")).toEqual(["Ada Lovelace"]);
    expect(await names("?name=Acme")).toEqual(["Acme"]);
    expect(await names("?limit=1&order=asc")).toEqual(["Ada Lovelace"]);
    expect((await t.call("GET", "/v1/identities/count")).body).toBe(2);

    const patched = await t.call("PATCH", `/v1/identities/${id}`, { name: "A. Lovelace", agent_ids: [] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "A. Lovelace", agent_ids: [], identifier_key: "user-42" });
    const clash = await t.call("PATCH", `/v1/identities/${id}`, { identifier_key: "acme" });
    expect(clash.status).toBe(409);

    const properties = await t.call("PUT", `/v1/identities/${id}/properties`, [
      { key: "age", value: 36, type: "number" },
      { key: "vip", value: true, type: "boolean" },
      { key: "prefs", value: { theme: "dark" }, type: "json" },
    ]);
    expect(properties.status).toBe(200);
    expect((await t.call("GET", `/v1/identities/${id}`)).body.properties).toEqual([
      { key: "age", value: 36, type: "number" },
      { key: "vip", value: true, type: "boolean" },
      { key: "prefs", value: { theme: "dark" }, type: "json" },
    ]);

    expect((await t.call("DELETE", `/v1/identities/${id}`)).status).toBe(200);
    expect((await t.call("GET", `/v1/identities/${id}`)).status).toBe(404);
    expect((await t.call("DELETE", `/v1/identities/${id}`)).status).toBe(404);
    // The agent stays.
    expect((await t.call("GET", `/v1/agents/${agent.id}`)).status).toBe(200);
  });

  it("links agents and blocks: identity_ids, attach and detach, and the identity_id filter", async () => {
    const alice = await newAgent("alice-bot");
    const bob = await newAgent("bob-bot");
    const identity = (
      await t.call("POST", "/v1/identities/", { identifier_key: "u-1", name: "U1", identity_type: "user" })
    ).body;

    // Through the official client: attach, filter the agent list, detach.
    await client.agents.identities.attach(identity.id, { agent_id: alice.id });
    const listed = [];
    for await (const agent of client.agents.list({ identity_id: identity.id })) listed.push(agent.name);
    expect(listed).toEqual(["alice-bot"]);
    expect((await client.agents.retrieve(alice.id)).identity_ids).toEqual([identity.id]);

    const modified = await t.call("PATCH", `/v1/agents/${bob.id}`, { identity_ids: [identity.id] });
    expect(modified.body.identity_ids).toEqual([identity.id]);
    const agents = (await t.call("GET", `/v1/identities/${identity.id}/agents`)).body as JsonBody[];
    expect(agents.map((agent) => agent.name).sort()).toEqual(["alice-bot", "bob-bot"]);
    await client.agents.identities.detach(identity.id, { agent_id: alice.id });
    const after = [];
    for await (const agent of client.agents.list({ identity_id: identity.id })) after.push(agent.name);
    expect(after).toEqual(["bob-bot"]);

    const created = await t.call("POST", "/v1/agents/", {
      name: "carol-bot",
      model: "openai/gpt-4o-mini",
      identity_ids: [identity.id],
    });
    expect(created.body.identities.map((item: JsonBody) => item.id)).toEqual([identity.id]);

    const block = (await t.call("POST", "/v1/blocks/", { label: "notes", value: "likes tea" })).body;
    const attached = await t.call("PATCH", `/v1/blocks/${block.id}/identities/attach/${identity.id}`);
    expect(attached.status).toBe(200);
    expect(attached.body.id).toBe(block.id);
    expect((await t.call("GET", `/v1/identities/${identity.id}`)).body.block_ids).toEqual([block.id]);
    const blocks = (await t.call("GET", `/v1/identities/${identity.id}/blocks`)).body as JsonBody[];
    expect(blocks.map((item) => item.value)).toEqual(["likes tea"]);
    await t.call("PATCH", `/v1/blocks/${block.id}/identities/detach/${identity.id}`);
    expect((await t.call("GET", `/v1/identities/${identity.id}`)).body.block_ids).toEqual([]);

    // Unknown ids are 404s that name them, and change nothing.
    const unknownAgent = await t.call("PATCH", `/v1/agents/agent-nope/identities/attach/${identity.id}`);
    expect(unknownAgent.status).toBe(404);
    const unknownIdentity = await t.call("PATCH", `/v1/agents/${bob.id}/identities/attach/identity-nope`);
    expect(unknownIdentity.status).toBe(404);
    expect((await t.call("PATCH", `/v1/blocks/block-nope/identities/attach/${identity.id}`)).status).toBe(
      404,
    );
    const badLinks = await t.call("POST", "/v1/identities/", {
      identifier_key: "u-2",
      name: "U2",
      identity_type: "user",
      agent_ids: ["agent-nope"],
    });
    expect(badLinks.status).toBe(404);
    expect((await t.call("GET", "/v1/identities/count")).body).toBe(1);
  });

  it("refuses malformed identities with a 422 and writes nothing", async () => {
    const bodies: unknown[] = [
      { name: "x", identity_type: "user" },
      { identifier_key: "", name: "x", identity_type: "user" },
      { identifier_key: "k", name: "x", identity_type: "robot" },
      {
        identifier_key: "k",
        name: "x",
        identity_type: "user",
        properties: [{ key: "a", value: "1", type: "number" }],
      },
      {
        identifier_key: "k",
        name: "x",
        identity_type: "user",
        properties: [{ key: "a", value: 1, type: "date" }],
      },
    ];
    for (const body of bodies) {
      const refused = await t.call("POST", "/v1/identities/", body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(typeof refused.body.detail).toBe("string");
    }
    const notJson = await t.call("POST", "/v1/identities/", "not json");
    expect(notJson.status).toBe(400);
    expect((await t.call("GET", "/v1/identities/count")).body).toBe(0);
    const identity = (
      await t.call("POST", "/v1/identities/", { identifier_key: "k", name: "x", identity_type: "user" })
    ).body;
    const badProperties = await t.call("PUT", `/v1/identities/${identity.id}/properties`, [
      { key: "flag", value: "yes", type: "boolean" },
    ]);
    expect(badProperties.status).toBe(422);
    expect((await t.call("GET", `/v1/identities/${identity.id}`)).body.properties).toEqual([]);
  });

  it("another organization's identities are not found", async () => {
    const identity = (
      await t.call("POST", "/v1/identities/", { identifier_key: "mine", name: "Mine", identity_type: "user" })
    ).body;
    await t.store.organizations.create({
      id: OTHER_ORG,
      name: "other",
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });
    await withOrganization(OTHER_ORG, async () => {
      await expect(t.services.identities.get(identity.id)).rejects.toThrow(/not found/);
      expect(await t.services.identities.list({})).toEqual([]);
      await expect(t.services.identities.update(identity.id, { name: "stolen" })).rejects.toThrow(
        /not found/,
      );
      await expect(t.services.identities.delete(identity.id)).rejects.toThrow(/not found/);
      // The same key is free in another organization.
      const theirs = await t.services.identities.create({
        identifier_key: "mine",
        name: "Theirs",
        identity_type: "user",
      });
      expect(theirs.id).not.toBe(identity.id);
    });
    expect((await t.call("GET", `/v1/identities/${identity.id}`)).body.name).toBe("Mine");
  });
});
