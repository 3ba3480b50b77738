import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/domain/index.js";
import { DEFAULT_ORGANIZATION_ID } from "../../src/store/tenancy.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const clock: Clock = { now: () => new Date(now) };
  return { clock, advance: (ms: number) => (now += ms) };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describeOnEachStore("API keys at the HTTP edge", (storeKind) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it("stays open without keys, and requires one on every API route once a key exists", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    expect((await t.call("GET", "/v1/agents/")).status).toBe(200);
    const created = await t.keys!.create({ name: "ci" });
    expect(created.key).toMatch(/^rv-[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 11));

    const missing = await t.call("GET", "/v1/agents/");
    expect(missing.status).toBe(401);
    expect(missing.body.detail).toContain("send Authorization: Bearer <key>");
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    for (const path of ["/v1/agents/agent-x", "/v1/nothing-here", "/V1/agents/", "/mcp", "/v1/runs/"]) {
      expect((await t.call("GET", path)).status, path).toBe(401);
    }
    expect((await t.call("GET", "/v1/agents/", undefined, bearer(created.key))).status).toBe(200);
    // Header scheme is case-insensitive, as HTTP says.
    expect(
      (await t.call("GET", "/v1/agents/", undefined, { authorization: `bearer ${created.key}` })).status,
    ).toBe(200);
  });

  it("answers 401 for wrong and malformed keys, and a refused request writes nothing", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    const { key } = await t.keys!.create({ name: "ci" });
    const wrong = [
      `Bearer ${key.slice(0, -1)}`,
      `Bearer ${key}x`,
      `Bearer ${key.toUpperCase()}`,
      `Basic ${Buffer.from(`user:${key}`).toString("base64")}`,
      "Bearer",
      "Bearer ",
      `Bearer ${key} ${key}`,
      key,
      `Bearer ${"A".repeat(10_000)}`,
      "Bearer \u00e9\u00e9\u00e9",
    ];
    for (const authorization of wrong) {
      const response = await t.call("POST", "/v1/agents/", { name: "intruder" }, { authorization });
      expect(response.status, authorization.slice(0, 40)).toBe(401);
      expect(response.body.detail).toContain("Authorization: Bearer <key>");
    }
    expect(await t.store.agents.list({})).toHaveLength(0);
    expect(
      (await t.call("POST", "/v1/agents/", { name: "ok", model: "openai/gpt-4o-mini" }, bearer(key))).status,
    ).toBe(200);
  });

  it("keeps the health check, the web app's files, the docs and the OpenAPI document public", async () => {
    const webRoot = mkdtempSync(join(tmpdir(), "reverie-auth-web-"));
    mkdirSync(join(webRoot, "assets"));
    writeFileSync(join(webRoot, "index.html"), "<html>palace</html>");
    writeFileSync(join(webRoot, "assets", "app.js"), "console.log(1)");
    t = await createTestApp({ store: storeKind, auth: {}, webRoot });
    await t.keys!.create({ name: "ci" });
    try {
      expect((await t.call("GET", "/v1/health/")).status).toBe(200);
      expect((await t.call("GET", "/v1/health")).status).toBe(200);
      expect((await t.call("GET", "/openapi.json")).status).toBe(200);
      expect((await t.call("GET", "/")).body).toBe("<html>palace</html>");
      expect((await t.call("GET", "/assets/app.js")).status).toBe(200);
      // The docs page is served (503 "not built" without a build), never refused for want of a key.
      expect((await t.call("GET", "/docs")).status).not.toBe(401);
      expect((await t.call("POST", "/v1/health/", {})).status).toBe(401);
      expect((await t.call("POST", "/", {})).status).toBe(401);
    } finally {
      rmSync(webRoot, { recursive: true, force: true });
    }
  });

  it("refuses a revoked key at once and an expired key from its expiry on", async () => {
    const time = manualClock();
    t = await createTestApp({ store: storeKind, auth: {}, clock: time.clock, webRoot: false });
    const revoked = await t.keys!.create({ name: "revoked" });
    const expiring = await t.keys!.create({
      name: "expiring",
      expires_at: new Date(time.clock.now().getTime() + 60_000).toISOString(),
    });
    expect((await t.call("GET", "/v1/agents/", undefined, bearer(revoked.key))).status).toBe(200);
    await t.keys!.revoke(revoked.id);
    expect((await t.call("GET", "/v1/agents/", undefined, bearer(revoked.key))).status).toBe(401);

    expect((await t.call("GET", "/v1/agents/", undefined, bearer(expiring.key))).status).toBe(200);
    time.advance(59_999);
    expect((await t.call("GET", "/v1/agents/", undefined, bearer(expiring.key))).status).toBe(200);
    time.advance(1);
    const expired = await t.call("GET", "/v1/agents/", undefined, bearer(expiring.key));
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toContain("Authorization: Bearer <key>");
  });

  it("records when a key was last used", async () => {
    const time = manualClock();
    t = await createTestApp({ store: storeKind, auth: {}, clock: time.clock, webRoot: false });
    const { id, key } = await t.keys!.create({ name: "ci" });
    expect((await t.keys!.get(id))?.last_used_at).toBeNull();
    await t.call("GET", "/v1/agents/", undefined, bearer(key));
    expect((await t.keys!.get(id))?.last_used_at).toBe(time.clock.now().toISOString());
  });

  it("accepts REVERIE_API_KEY as an admin key of the default organization", async () => {
    const envKey = "a-container-secret-0123456789";
    t = await createTestApp({ store: storeKind, auth: { envKey }, webRoot: false });
    expect((await t.call("GET", "/v1/agents/")).status).toBe(401);
    expect((await t.call("GET", "/v1/agents/", undefined, bearer(`${envKey}x`))).status).toBe(401);
    const created = await t.call(
      "POST",
      "/v1/agents/",
      { name: "env", model: "openai/gpt-4o-mini" },
      bearer(envKey),
    );
    expect(created.status).toBe(200);
    expect(await t.keys!.authenticate(envKey)).toEqual({
      organization_id: DEFAULT_ORGANIZATION_ID,
      is_admin: true,
      key_id: undefined,
    });
    // The agent landed in the default organization, where a stored default-organization key sees it.
    const { key } = await t.keys!.create({ name: "stored" });
    const listed = await t.call("GET", "/v1/agents/", undefined, bearer(key));
    expect(listed.body.map((agent: { id: string }) => agent.id)).toEqual([created.body.id]);
  });

  it("runs each request in its key's organization", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    const now = new Date().toISOString();
    const other = await t.store.organizations.create({
      id: "org-00000000-0000-4000-8000-0000000000bb",
      name: "b",
      created_at: now,
      updated_at: now,
    });
    const a = await t.keys!.create({ name: "a" });
    const b = await t.keys!.create({ name: "b", organization_id: other.id });
    const agent = (
      await t.call("POST", "/v1/agents/", { name: "mine", model: "openai/gpt-4o-mini" }, bearer(a.key))
    ).body;
    expect((await t.call("GET", "/v1/agents/", undefined, bearer(b.key))).body).toEqual([]);
    expect((await t.call("GET", `/v1/agents/${agent.id}`, undefined, bearer(b.key))).status).toBe(404);
    expect((await t.call("DELETE", `/v1/agents/${agent.id}`, undefined, bearer(b.key))).status).toBe(404);
    expect((await t.call("GET", `/v1/agents/${agent.id}`, undefined, bearer(a.key))).status).toBe(200);
    const theirs = await t.call(
      "POST",
      "/v1/agents/",
      { name: "theirs", model: "openai/gpt-4o-mini" },
      bearer(b.key),
    );
    expect(theirs.status).toBe(200);
    const mine = (await t.call("GET", "/v1/agents/", undefined, bearer(a.key))).body;
    expect(mine.map((listed: { id: string }) => listed.id)).toEqual([agent.id]);
  });
});

describe("API keys without auth configured", () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it("an app built without a key service serves everything (embedded use)", async () => {
    t = await createTestApp({ webRoot: false });
    expect((await t.call("GET", "/v1/agents/")).status).toBe(200);
  });
});

describeOnEachStore("admin API: organizations and keys", (storeKind) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  const adminCalls = [
    ["GET", "/v1/admin/organizations/", undefined],
    ["POST", "/v1/admin/organizations/", { name: "x" }],
    ["GET", "/v1/admin/keys/", undefined],
    ["POST", "/v1/admin/keys/", { name: "x" }],
    ["DELETE", "/v1/admin/keys/apikey-00000000-0000-4000-8000-000000000001", undefined],
  ] as const;

  it("refuses non-admin keys with 403 and changes nothing", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    const plain = await t.keys!.create({ name: "plain" });
    for (const [method, path, body] of adminCalls) {
      const response = await t.call(method, path, body, bearer(plain.key));
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.detail).toContain("admin API key");
    }
    expect(await t.store.organizations.list()).toHaveLength(1);
    expect(await t.keys!.list()).toHaveLength(1);
  });

  it("refuses the admin routes on a server without keys", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    for (const [method, path, body] of adminCalls) {
      expect((await t.call(method, path, body)).status, `${method} ${path}`).toBe(403);
    }
    expect(await t.keys!.required()).toBe(false);
  });

  it("creates an organization and its keys; the new key sees only its organization", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    const admin = await t.keys!.create({ name: "root", is_admin: true });
    const mine = await t.call(
      "POST",
      "/v1/agents/",
      { name: "a", model: "openai/gpt-4o-mini" },
      bearer(admin.key),
    );
    expect(mine.status).toBe(200);

    const created = await t.call("POST", "/v1/admin/organizations/", { name: "tenant b" }, bearer(admin.key));
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: "tenant b", id: expect.stringMatching(/^org-/) });
    const orgs = (await t.call("GET", "/v1/admin/organizations/", undefined, bearer(admin.key))).body;
    expect(orgs.map((org: { id: string }) => org.id).sort()).toEqual(
      [DEFAULT_ORGANIZATION_ID, created.body.id].sort(),
    );

    const keyB = await t.call(
      "POST",
      "/v1/admin/keys/",
      { name: "b", organization_id: created.body.id, expires_at: "2099-01-01T00:00:00Z" },
      bearer(admin.key),
    );
    expect(keyB.status).toBe(200);
    expect(keyB.body).toMatchObject({
      organization_id: created.body.id,
      is_admin: false,
      key: expect.any(String),
    });
    expect(keyB.body.expires_at).toBe("2099-01-01T00:00:00.000Z");
    const b = bearer(keyB.body.key);
    expect((await t.call("GET", "/v1/agents/", undefined, b)).body).toEqual([]);
    expect((await t.call("GET", `/v1/agents/${mine.body.id}`, undefined, b)).status).toBe(404);
    // The new organization has its own built-in tools, so its agents get memory tools.
    const tools = (await t.call("GET", "/v1/tools/", undefined, b)).body;
    expect(tools.map((tool: { name: string }) => tool.name)).toContain("memory_replace");
    const agentB = await t.call("POST", "/v1/agents/", { name: "b", model: "openai/gpt-4o-mini" }, b);
    expect(agentB.status).toBe(200);
    expect(agentB.body.tools.length).toBeGreaterThan(0);

    const listed = await t.call(
      "GET",
      `/v1/admin/keys/?organization_id=${created.body.id}`,
      undefined,
      bearer(admin.key),
    );
    expect(listed.body).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(keyB.body.key.slice(11));
    expect(listed.body[0]).not.toHaveProperty("hash");

    const revoked = await t.call("DELETE", `/v1/admin/keys/${keyB.body.id}`, undefined, bearer(admin.key));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await t.call("GET", "/v1/agents/", undefined, b)).status).toBe(401);
  });

  it("answers bad admin input with 4xx and a detail", async () => {
    t = await createTestApp({ store: storeKind, auth: {}, webRoot: false });
    const admin = bearer((await t.keys!.create({ name: "root", is_admin: true })).key);
    const cases: Array<[string, string, unknown, number]> = [
      ["POST", "/v1/admin/organizations/", { name: "" }, 422],
      ["POST", "/v1/admin/organizations/", {}, 422],
      ["POST", "/v1/admin/keys/", { name: "k", organization_id: "org-nope" }, 404],
      ["POST", "/v1/admin/keys/", { name: "k", expires_at: "2001-01-01T00:00:00Z" }, 422],
      ["POST", "/v1/admin/keys/", { name: "k", expires_at: "tomorrow" }, 422],
      ["POST", "/v1/admin/keys/", { name: "k", is_admin: "yes" }, 422],
      ["DELETE", "/v1/admin/keys/apikey-00000000-0000-4000-8000-00000000dead", undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const response = await t.call(method, path, body, admin);
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(typeof response.body.detail).toBe("string");
    }
    expect(await t.store.organizations.list()).toHaveLength(1);
    expect(await t.keys!.list()).toHaveLength(1);
  });
});
