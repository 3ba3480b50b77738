import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { SECRET_MASK } from "../../src/runtime/secrets/index.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

/** Posts an agent file as the official client does: multipart, options as text fields. */
async function importFile(t: TestApp, text: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append("file", new File([text], "agent.af", { type: "application/json" }));
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await t.app.request("/v1/agents/import", { method: "POST", body: form });
  return { status: response.status, body: (await response.json()) as JsonBody };
}

/** Every stored envelope of the agent, as the database holds them. */
async function storedValues(t: TestApp, agentId: string): Promise<string[]> {
  return (await t.store.agentSecrets.list(agentId)).map((secret) => secret.value_enc);
}

describeOnEachStore("agent secrets at rest", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  async function createAgent(body: Record<string, unknown>): Promise<JsonBody> {
    const created = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", ...body });
    expect(created.status).toBe(200);
    return created.body;
  }

  it("stores secrets encrypted, shows them masked, and gives them in clear only to the sandbox port", async () => {
    const agent = await createAgent({
      secrets: { API_TOKEN: "tok-123456789" },
      tool_exec_environment_variables: { REGION: "eu-west-1", API_TOKEN: "loses-to-secrets" },
    });
    const byKey = (list: JsonBody[]) => Object.fromEntries(list.map((item) => [item.key, item.value]));
    expect(byKey(agent.secrets)).toEqual({ API_TOKEN: SECRET_MASK, REGION: SECRET_MASK });
    expect(agent.tool_exec_environment_variables).toEqual(agent.secrets);
    expect(agent.secrets[0]).toMatchObject({ agent_id: agent.id, description: null });
    expect(agent.secrets[0].id).toMatch(/^agent-env-/);

    const stored = await storedValues(t, agent.id);
    expect(stored).toHaveLength(2);
    for (const value of stored) {
      expect(value).toMatch(/^rvs1:[0-9a-f]{8}:/);
      expect(value).not.toContain("tok-123456789");
      expect(value).not.toContain("eu-west-1");
    }
    expect(await t.services.agentSecrets(agent.id)).toEqual({
      API_TOKEN: "tok-123456789",
      REGION: "eu-west-1",
    });
  });

  it("modify replaces the set; the mask sent back keeps a value; no secrets field keeps them all", async () => {
    const agent = await createAgent({ secrets: { A: "alpha", B: "beta" } });
    const renamed = await t.call("PATCH", `/v1/agents/${agent.id}`, { name: "renamed" });
    expect(renamed.status).toBe(200);
    expect(await t.services.agentSecrets(agent.id)).toEqual({ A: "alpha", B: "beta" });

    // A client that writes back what it read (masked) keeps A, changes B, drops nothing else by mistake.
    const modified = await t.call("PATCH", `/v1/agents/${agent.id}`, {
      secrets: { A: SECRET_MASK, B: "beta-2", C: "gamma" },
    });
    expect(modified.status).toBe(200);
    expect(await t.services.agentSecrets(agent.id)).toEqual({ A: "alpha", B: "beta-2", C: "gamma" });

    await t.call("PATCH", `/v1/agents/${agent.id}`, { tool_exec_environment_variables: { C: "only" } });
    expect(await t.services.agentSecrets(agent.id)).toEqual({ C: "only" });
    await t.call("PATCH", `/v1/agents/${agent.id}`, { secrets: {} });
    expect(await t.services.agentSecrets(agent.id)).toEqual({});
    expect((await t.call("GET", `/v1/agents/${agent.id}`)).body.secrets).toEqual([]);
  });

  it("refuses bad names and oversized values with a 422 that writes nothing", async () => {
    const before = await t.store.agents.count();
    for (const secrets of [
      { "BAD NAME": "x" },
      { "1ST": "x" },
      { "A=B": "x" },
      { "": "x" },
      { OK: "x".repeat(64 * 1024 + 1) },
    ]) {
      const refused = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", secrets });
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toMatch(/secrets/);
    }
    const notString = await t.call("POST", "/v1/agents/", { secrets: { A: 42 } });
    expect(notString.status).toBe(422);
    expect(await t.store.agents.count()).toBe(before);

    const agent = await createAgent({ secrets: { KEEP: "kept" } });
    const refused = await t.call("PATCH", `/v1/agents/${agent.id}`, {
      name: "x",
      secrets: { "NO-DASH": "v" },
    });
    expect(refused.status).toBe(422);
    expect((await t.call("GET", `/v1/agents/${agent.id}`)).body.name).toBe(agent.name);
    expect(await t.services.agentSecrets(agent.id)).toEqual({ KEEP: "kept" });
  });

  it("exports names with blank values and imports the values given", async () => {
    const agent = await createAgent({ secrets: { API_TOKEN: "do-not-export-me" } });
    const exported = await t.call("GET", `/v1/agents/${agent.id}/export`);
    expect(exported.status).toBe(200);
    const text = JSON.stringify(exported.body);
    expect(text).not.toContain("do-not-export-me");
    expect(exported.body.agents[0].secrets).toEqual({ API_TOKEN: "" });
    expect(exported.body.agents[0].tool_exec_environment_variables).toEqual({ API_TOKEN: "" });

    const blank = await importFile(t, text);
    expect(blank.status).toBe(200);
    expect(await t.services.agentSecrets(blank.body.agent_ids[0])).toEqual({ API_TOKEN: "" });

    const given = await importFile(t, text, {
      secrets: JSON.stringify({ API_TOKEN: "given", EXTRA: "more" }),
    });
    expect(given.status).toBe(200);
    expect(await t.services.agentSecrets(given.body.agent_ids[0])).toEqual({
      API_TOKEN: "given",
      EXTRA: "more",
    });

    const before = await t.store.agents.count();
    const bad = await importFile(t, text, { secrets: JSON.stringify({ "BAD NAME": "x" }) });
    expect(bad.status).toBe(422);
    expect(await t.store.agents.count()).toBe(before);
  });

  it("deleting an agent deletes its secrets", async () => {
    const agent = await createAgent({ secrets: { GONE: "soon" } });
    expect((await t.call("DELETE", `/v1/agents/${agent.id}`)).status).toBe(200);
    expect(await t.store.agentSecrets.list(agent.id)).toEqual([]);
  });

  it("canary: a secret's value appears in no response, export, LLM request or log", async () => {
    const canary = `CANARY-${randomBytes(12).toString("hex")}`;
    const seen: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await t.call(method, path, body);
      seen.push(`${method} ${path} ${response.status} ${JSON.stringify(response.body)}`);
      return response;
    };
    const created = await call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      secrets: { CANARY: canary },
      tool_exec_environment_variables: { CANARY_ENV: canary },
    });
    const id: string = created.body.id;
    await call("PATCH", `/v1/agents/${id}`, { secrets: { CANARY: canary, OTHER: `${canary}-2` } });
    openai.script.push({ text: "hello" });
    const reply = await call("POST", `/v1/agents/${id}/messages`, { input: "hi" });
    expect(reply.status).toBe(200);
    await call("GET", `/v1/agents/${id}`);
    await call("GET", "/v1/agents/");
    await call("GET", `/v1/agents/?include=agent.secrets`);
    await call("GET", `/v1/agents/${id}/export`);
    await call("GET", `/v1/agents/${id}/context`);
    await call("GET", `/v1/agents/${id}/messages`);
    await call("GET", "/v1/runs/");
    const runs = await call("GET", `/v1/runs/?agent_id=${id}`);
    for (const run of runs.body) await call("GET", `/v1/runs/${run.id}/steps`);
    const everything = [
      ...seen,
      ...openai.requests.map((request) => JSON.stringify(request)),
      ...t.logged.map((entry) => JSON.stringify(entry)),
    ].join("\n");
    expect(seen.length).toBeGreaterThan(8);
    expect(everything).not.toContain(canary);
    // The value is stored, and the sandbox port still reads it.
    expect((await t.services.agentSecrets(id)).CANARY).toBe(canary);
  });
});
