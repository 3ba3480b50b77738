import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_ONLY } from "../../src/runtime/tools/web/address-policy.js";
import type { ResolveHost } from "../../src/runtime/tools/web/guarded-fetch.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

const ORG_KEY = "sk-org-key-0123456789abcdef";
/** A public address (TEST-NET would itself be refused): what `public.test` first resolves to. */
const PUBLIC_ADDRESS = "93.184.215.14";

// An organization's key may not point a provider at the server's own network: loopback, private,
// link-local and metadata addresses are refused when the provider is stored, checked or refreshed, and
// again at every call (so a name that later resolves elsewhere is refused too). The server's own
// providers, configured by the operator's environment, are not limited.
describe("the address guard of organizations' providers", () => {
  let serverOpenai: FakeLlmServer;
  let target: FakeLlmServer;
  let t: TestApp | undefined;
  /** The DNS the guard sees: `public.test` answers a public address until the test flips it. */
  let publicTestAnswer = PUBLIC_ADDRESS;
  const resolve: ResolveHost = async (hostname) => {
    if (hostname === "public.test") return [{ address: publicTestAnswer, family: 4 }];
    if (hostname === "localhost") return [{ address: "127.0.0.1", family: 4 }];
    if (hostname === "mixed.test") {
      return [
        { address: PUBLIC_ADDRESS, family: 4 },
        { address: "10.1.2.3", family: 4 },
      ];
    }
    throw new Error(`ENOTFOUND ${hostname}`);
  };

  beforeAll(async () => {
    serverOpenai = await startFakeOpenAI({ models: ["gpt-4o-mini"], apiKey: "sk-server" });
    target = await startFakeOpenAI({ models: ["gpt-4o-mini", "inside-model"], apiKey: ORG_KEY });
  });
  afterAll(async () => {
    await serverOpenai.close();
    await target.close();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    publicTestAnswer = PUBLIC_ADDRESS;
  });

  const start = async () => {
    serverOpenai.reset();
    target.reset();
    t = await createTestApp({
      providers: { openai: { apiKey: "sk-server", baseUrl: serverOpenai.url } },
      providerNetwork: { policy: PUBLIC_ONLY, resolve },
    });
    return t;
  };
  const port = () => new URL(target.url).port;

  it("refuses to store, modify or check a provider that points inside, saying what allows it", async () => {
    const app = await start();
    const inside = [
      [target.url, /127\.0\.0\.1 is a loopback address/],
      [`http://localhost:${port()}/v1`, /loopback/],
      ["http://169.254.169.254/latest/meta-data", /cloud metadata/],
      ["http://10.0.0.7:8000/v1", /private address/],
      ["http://192.168.1.20/v1", /private address/],
      ["http://[::1]:8000/v1", /loopback/],
      ["http://[::ffff:127.0.0.1]:8000/v1", /IPv4-mapped/],
      ["http://[fd00:ec2::254]/v1", /metadata/],
      ["http://0.0.0.0:8000/v1", /unspecified/],
      ["http://100.100.100.200/v1", /carrier-grade NAT/],
      ["http://mixed.test/v1", /10\.1\.2\.3 is a private address/],
    ] as const;
    for (const [baseUrl, reason] of inside) {
      const created = await app.call("POST", "/v1/providers/", {
        name: "inside",
        provider_type: "vllm",
        api_key: ORG_KEY,
        base_url: baseUrl,
      });
      expect(created.status, baseUrl).toBe(422);
      expect(created.body.detail).toMatch(/^Invalid body: base_url: refusing to fetch/);
      expect(created.body.detail).toMatch(reason);
      expect(created.body.detail).toContain("REVERIE_PROVIDER_ALLOW_PRIVATE");

      const checked = await app.call("POST", "/v1/providers/check", {
        provider_type: "openai",
        api_key: ORG_KEY,
        base_url: baseUrl,
      });
      expect(checked.status, baseUrl).toBe(422);
      expect(checked.body.detail).toMatch(reason);
    }
    // An Ollama provider of an organization has no default (the server's localhost is not its to use).
    const ollama = await app.call("POST", "/v1/providers/check", { provider_type: "ollama", api_key: "" });
    expect(ollama.status).toBe(422);
    expect(ollama.body.detail).toMatch(/localhost.*loopback/);
    expect(await app.store.providers.list()).toEqual([]);

    const outside = await app.call("POST", "/v1/providers/", {
      name: "outside",
      provider_type: "vllm",
      api_key: ORG_KEY,
      base_url: "http://public.test:8000/v1",
    });
    expect(outside.status).toBe(200);
    const moved = await app.call("PATCH", `/v1/providers/${outside.body.id}`, {
      api_key: "sk-new-key-0123456789abcdef",
      base_url: "http://169.254.169.254/v1",
    });
    expect(moved.status).toBe(422);
    expect(moved.body.detail).toMatch(/cloud metadata/);
    const kept = await app.store.providers.get(outside.body.id);
    expect(kept?.base_url).toBe("http://public.test:8000/v1");
    expect(kept?.updated_at).toBe(outside.body.updated_at);
    // Nothing ever reached the endpoint inside.
    expect(target.requests).toHaveLength(0);
  });

  it("refuses at call time too: a name that resolves inside later, and a row stored before the guard", async () => {
    const app = await start();
    // Stored while its name resolved to a public address; then the name turns to 127.0.0.1 (rebinding).
    const created = await app.call("POST", "/v1/providers/", {
      name: "rebind",
      provider_type: "openai",
      api_key: ORG_KEY,
      base_url: `http://public.test:${port()}/v1`,
    });
    expect(created.status).toBe(200);
    publicTestAnswer = "127.0.0.1";

    const models = (await app.call("GET", "/v1/models/")).body as Array<{ handle: string }>;
    expect(models.map((model) => model.handle)).not.toContain("rebind/inside-model");
    const refresh = await app.call("PATCH", `/v1/providers/${created.body.id}/refresh`);
    expect(refresh.status).toBe(422);
    expect(refresh.body.detail).toMatch(/127\.0\.0\.1 is a loopback address/);
    const check = await app.call("POST", `/v1/providers/${created.body.id}/check`);
    expect(check.status).toBe(422);

    // A row written straight to the store (say, before this guard existed) that points at loopback:
    // the organization's `openai` replaces the server's, and its turns are refused at the connection.
    await app.store.providers.create({
      id: "provider-00000000-0000-4000-8000-00000000abcd",
      name: "openai",
      provider_type: "openai",
      api_key_enc: app.services.secretBox.seal(ORG_KEY),
      base_url: target.url,
      access_key_enc: null,
      region: null,
      api_version: null,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      last_synced: null,
    });
    const agent = await app.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    expect(agent.status).toBe(200);
    target.script.push({ text: "this must not be answered" });
    const turn = await app.call("POST", `/v1/agents/${agent.body.id}/messages`, { input: "hi" });
    expect(turn.body.stop_reason.stop_reason).toBe("llm_api_error");
    const run = (await app.call("GET", `/v1/runs/?agent_id=${agent.body.id}`)).body[0];
    expect(JSON.stringify(run.metadata)).toMatch(/loopback address.*REVERIE_PROVIDER_ALLOW_PRIVATE/);
    expect(target.requests).toHaveLength(0);
    // Nor did the turn fall back to the server's key.
    expect(serverOpenai.requests.filter((request) => request.path.includes("chat/completions"))).toEqual([]);
  });

  it("the operator's own providers on loopback keep working under the guard", async () => {
    const app = await start();
    const agent = await app.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    serverOpenai.script.push({ text: "the server's own model answers" });
    const turn = await app.call("POST", `/v1/agents/${agent.body.id}/messages`, { input: "hi" });
    expect(turn.status).toBe(200);
    expect(turn.body.messages.at(-1).content).toBe("the server's own model answers");
  });
});
