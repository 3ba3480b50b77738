import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { createSecretBox, randomSecretKey } from "../../src/runtime/secrets/index.js";
import { addressPolicyFromSetting } from "../../src/runtime/tools/web/address-policy.js";
import { withOrganization } from "../../src/store/tenancy.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const ORG_KEY = "sk-org-key-0123456789abcdef";
const OTHER_ORG = "org-00000000-0000-4000-8000-0000000000b2";

describeOnEachStore("providers per organization", (storeKind) => {
  /** The server's own OpenAI (environment key). */
  let serverOpenai: FakeLlmServer;
  /** The organization's own OpenAI-style endpoint, which accepts only the organization's key. */
  let orgOpenai: FakeLlmServer;
  let t: TestApp;
  /** What the organization's endpoint lists; a test adds a model to it. */
  const orgModels = ["gpt-4o-mini", "org-special-model"];

  beforeAll(async () => {
    serverOpenai = await startFakeOpenAI({
      models: ["gpt-4o-mini", "text-embedding-3-small"],
      apiKey: "sk-server",
    });
    orgOpenai = await startFakeOpenAI({ models: orgModels, apiKey: ORG_KEY });
  });
  afterAll(async () => {
    await serverOpenai.close();
    await orgOpenai.close();
  });
  beforeEach(async () => {
    serverOpenai.reset();
    orgOpenai.reset();
    orgModels.splice(2);
    const providers = { openai: { apiKey: "sk-server", baseUrl: serverOpenai.url } };
    t = await createTestApp({
      store: storeKind,
      providers,
      embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }),
      // The fake endpoints listen on 127.0.0.1, which organizations' providers may not reach by default.
      providerNetwork: { policy: addressPolicyFromSetting("127.0.0.1") },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  const orgUrl = () => `${orgOpenai.url}`;

  it("creates, lists, reads, modifies and deletes providers, with keys sealed and masked", async () => {
    const created = await t.call("POST", "/v1/providers/", {
      name: "my-vllm",
      provider_type: "vllm",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      name: "my-vllm",
      provider_type: "vllm",
      provider_category: "byok",
      api_key: "****cdef",
      base_url: orgUrl(),
    });
    expect(created.body.id).toMatch(/^provider-/);
    const stored = await t.store.providers.get(created.body.id);
    expect(stored?.api_key_enc).toMatch(/^rvs1:/);
    expect(JSON.stringify(stored)).not.toContain(ORG_KEY);

    expect((await t.call("GET", "/v1/providers/")).body.map((p: JsonBody) => p.name)).toEqual(["my-vllm"]);
    expect((await t.call("GET", "/v1/providers/?provider_type=openai")).body).toEqual([]);
    expect((await t.call("GET", `/v1/providers/${created.body.id}`)).body.api_key).toBe("****cdef");

    const modified = await t.call("PATCH", `/v1/providers/${created.body.id}`, { api_key: "short" });
    expect(modified.status).toBe(200);
    expect(modified.body.api_key).toBe("********");
    expect(modified.body.base_url).toBe(orgUrl());

    const duplicate = await t.call("POST", "/v1/providers/", {
      name: "my-vllm",
      provider_type: "vllm",
      api_key: "x",
      base_url: orgUrl(),
    });
    expect(duplicate.status).toBe(409);

    expect((await t.call("DELETE", `/v1/providers/${created.body.id}`)).status).toBe(200);
    expect((await t.call("GET", `/v1/providers/${created.body.id}`)).status).toBe(404);
    expect((await t.call("DELETE", `/v1/providers/${created.body.id}`)).status).toBe(404);
    expect((await t.call("PATCH", "/v1/providers/provider-nope", { api_key: "k" })).status).toBe(404);
  });

  it("refuses providers it cannot call, with a 422 that says what to change and writes nothing", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: "b", provider_type: "bedrock", api_key: "k" }, /not supported by this server/],
      [{ name: "claude", provider_type: "anthropic", api_key: "k" }, /named 'anthropic'/],
      [{ name: "ollama", provider_type: "vllm", api_key: "k", base_url: "http://x" }, /built-in provider/],
      [{ name: "v", provider_type: "vllm", api_key: "k" }, /needs the base URL/],
      [{ name: "v", provider_type: "vllm", api_key: "k", base_url: "file:///etc/passwd" }, /http/],
      [{ name: "v", provider_type: "vllm", api_key: "k", base_url: "http://u:p@host/v1" }, /not in the URL/],
      [{ name: "v", provider_type: "vllm", api_key: "k", base_url: "not a url" }, /not a URL/],
      [{ name: "bad name/x", provider_type: "openai", api_key: "k" }, /name/],
      [{ name: "v", provider_type: "openai" }, /api_key/],
      [{ name: "v", provider_type: "nonsense", api_key: "k" }, /provider_type/],
    ];
    for (const [body, detail] of cases) {
      const refused = await t.call("POST", "/v1/providers/", body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
      expect(refused.body.detail).toMatch(detail);
    }
    expect(await t.store.providers.list()).toEqual([]);
  });

  it("lists the organization's models beside the server's, and only for that organization", async () => {
    await t.call("POST", "/v1/providers/", {
      name: "team-llm",
      provider_type: "openai",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    const models = (await t.call("GET", "/v1/models/")).body as JsonBody[];
    const handles = models.map((model) => model.handle);
    expect(handles).toContain("openai/gpt-4o-mini");
    expect(handles).toContain("team-llm/org-special-model");
    expect(models.find((model) => model.handle === "team-llm/org-special-model").provider_category).toBe(
      "byok",
    );
    const byok = (await t.call("GET", "/v1/models/?provider_category=byok")).body as JsonBody[];
    expect(byok.every((model) => model.provider_name === "team-llm")).toBe(true);
    expect(byok.length).toBeGreaterThan(0);
    // The organization's key went to its endpoint when listing; the server's endpoint never saw it.
    expect(orgOpenai.requests.length).toBeGreaterThan(0);

    await t.store.organizations.create({
      id: OTHER_ORG,
      name: "other",
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });
    const other = await withOrganization(OTHER_ORG, () => t.services.models.listModels());
    expect(other.map((model) => model.handle)).not.toContain("team-llm/org-special-model");
    expect(await withOrganization(OTHER_ORG, () => t.services.providers.list())).toEqual([]);
  });

  it("a turn uses the organization's key when its provider replaces the server's", async () => {
    const agent = (await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" })).body;
    serverOpenai.script.push({ text: "from the server's key" });
    const before = await t.call("POST", `/v1/agents/${agent.id}/messages`, { input: "hi" });
    expect(before.status).toBe(200);
    expect(serverOpenai.requests.length).toBeGreaterThan(0);

    const created = await t.call("POST", "/v1/providers/", {
      name: "openai",
      provider_type: "openai",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    expect(created.status).toBe(200);
    serverOpenai.reset();
    orgOpenai.script.push({ text: "from the organization's key" });
    const after = await t.call("POST", `/v1/agents/${agent.id}/messages`, { input: "again" });
    expect(after.status).toBe(200);
    expect(after.body.messages.at(-1).content).toBe("from the organization's key");
    expect(serverOpenai.requests).toHaveLength(0);
    const chat = orgOpenai.requests.filter((request) => request.path.includes("chat/completions"));
    expect(chat.length).toBeGreaterThan(0);

    // The organization's key changed: the next turn uses the new one (the endpoint refuses it).
    await t.call("PATCH", `/v1/providers/${created.body.id}`, { api_key: "sk-revoked" });
    orgOpenai.script.push({ text: "never" });
    const refused = await t.call("POST", `/v1/agents/${agent.id}/messages`, { input: "third" });
    // Letta's answer to a provider that refuses: the run stops with llm_api_error.
    expect(refused.body.stop_reason.stop_reason).toBe("llm_api_error");
    expect(orgOpenai.requests.at(-1)?.headers.authorization).toBe("Bearer sk-revoked");
    expect(JSON.stringify(refused.body)).not.toContain("sk-revoked");
  });

  it("checks a key against the provider's model list", async () => {
    const ok = await t.call("POST", "/v1/providers/check", {
      provider_type: "openai",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "ok", models: 2 });

    const wrong = await t.call("POST", "/v1/providers/check", {
      provider_type: "openai",
      api_key: "sk-wrong",
      base_url: orgUrl(),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toMatch(/refused the key.*api_key/);
    expect(JSON.stringify(wrong.body)).not.toContain("sk-wrong");

    const closed = await startFakeOpenAI({});
    const deadUrl = closed.url;
    await closed.close();
    const unreachable = await t.call("POST", "/v1/providers/check", {
      provider_type: "vllm",
      api_key: "k",
      base_url: deadUrl,
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.detail).toMatch(/Could not reach/);

    const stored = await t.call("POST", "/v1/providers/", {
      name: "checked",
      provider_type: "vllm",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    expect((await t.call("POST", `/v1/providers/${stored.body.id}/check`)).body.status).toBe("ok");
    expect((await t.call("POST", "/v1/providers/provider-unknown/check")).status).toBe(404);
  });

  it("key rotation re-encrypts provider keys too", async () => {
    await t.call("POST", "/v1/providers/", {
      name: "rotated",
      provider_type: "vllm",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    const box = t.services.secretBox;
    const next = randomSecretKey();
    // The test app's box holds a random key of its own: rotate from it through the box's open.
    const count = await t.store.transaction((tx) =>
      tx.sealedValues.rewriteAll((sealed) => createSecretBox(() => [next]).seal(box.open(sealed))),
    );
    expect(count).toBe(1);
    const [provider] = await t.store.providers.list();
    expect(provider?.api_key_enc?.split(":")[1]).toBe(next.id);
    expect(createSecretBox(() => [next]).open(provider?.api_key_enc ?? "")).toBe(ORG_KEY);
  });

  it("embeds an agent's passages with the organization's provider and key; another organization cannot", async () => {
    orgModels.push("team-embedder-v1");
    const provider = await t.call("POST", "/v1/providers/", {
      name: "team-emb",
      provider_type: "openai",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    expect(provider.status).toBe(200);
    const embeddings = (await t.call("GET", "/v1/models/embedding")).body as JsonBody[];
    expect(embeddings.map((model) => model.handle)).toContain("team-emb/team-embedder-v1");

    const agent = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding: "team-emb/team-embedder-v1",
    });
    expect(agent.status).toBe(200);
    // The size came from the organization's endpoint (the fake's 384), asked with its key.
    expect(agent.body.embedding_config).toMatchObject({
      handle: "team-emb/team-embedder-v1",
      embedding_dim: 384,
    });
    orgOpenai.reset();
    serverOpenai.reset();

    const inserted = await t.call("POST", `/v1/agents/${agent.body.id}/archival-memory`, {
      text: "The otters keep their favourite rock in the left pocket.",
    });
    expect(inserted.status).toBe(200);
    const search = await t.call(
      "GET",
      `/v1/agents/${agent.body.id}/archival-memory/search?query=${encodeURIComponent("where is the rock")}`,
    );
    expect(search.status).toBe(200);
    expect(JSON.stringify(search.body)).toContain("favourite rock");
    const embedCalls = orgOpenai.requests.filter((request) => request.path.endsWith("/embeddings"));
    // The passage and the query, both with the organization's key, none through the server's provider.
    expect(embedCalls.length).toBeGreaterThanOrEqual(2);
    for (const call of embedCalls) expect(call.headers.authorization).toBe(`Bearer ${ORG_KEY}`);
    expect(serverOpenai.requests.filter((request) => request.path.endsWith("/embeddings"))).toHaveLength(0);

    // Another organization does not see the provider: its handle is unknown there, and a config naming
    // it (as an imported one could) does not reach the first organization's endpoint or key.
    await t.store.organizations.create({
      id: OTHER_ORG,
      name: "other",
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    });
    orgOpenai.reset();
    await expect(
      withOrganization(OTHER_ORG, () => t.services.models.resolveEmbedding("team-emb/team-embedder-v1")),
    ).rejects.toThrow(/Unknown provider 'team-emb'/);
    await expect(
      withOrganization(OTHER_ORG, () =>
        t.services.agents.create({ model: "openai/gpt-4o-mini", embedding: "team-emb/team-embedder-v1" }),
      ),
    ).rejects.toThrow(/team-emb/);
    expect(orgOpenai.requests).toHaveLength(0);
  });

  it("refresh re-reads the provider's models and says when (last_synced)", async () => {
    const created = await t.call("POST", "/v1/providers/", {
      name: "team-llm",
      provider_type: "openai",
      api_key: ORG_KEY,
      base_url: orgUrl(),
    });
    expect(created.body.last_synced).toBeNull();
    const handles = async () =>
      ((await t.call("GET", "/v1/models/?provider_category=byok")).body as JsonBody[]).map(
        (model) => model.handle,
      );
    expect(await handles()).not.toContain("team-llm/org-late-model");
    orgModels.push("org-late-model");
    // The listing is cached (five minutes): the new model shows only once the provider is refreshed.
    expect(await handles()).not.toContain("team-llm/org-late-model");

    const refreshed = await t.call("PATCH", `/v1/providers/${created.body.id}/refresh`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ id: created.body.id, name: "team-llm", api_key: "****cdef" });
    expect(refreshed.body.last_synced).toEqual(expect.any(String));
    expect((await t.call("GET", `/v1/providers/${created.body.id}`)).body.last_synced).toBe(
      refreshed.body.last_synced,
    );
    expect(await handles()).toContain("team-llm/org-late-model");

    // A key the provider refuses: 400 naming api_key, and last_synced stays.
    await t.call("PATCH", `/v1/providers/${created.body.id}`, { api_key: "sk-wrong" });
    const refused = await t.call("PATCH", `/v1/providers/${created.body.id}/refresh`);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/refused the key/);
    expect((await t.store.providers.get(created.body.id))?.last_synced).toBe(refreshed.body.last_synced);
    expect((await t.call("PATCH", "/v1/providers/provider-unknown/refresh")).status).toBe(404);
  });
});
