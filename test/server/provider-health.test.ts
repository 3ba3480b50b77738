import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createProviderHealth } from "../../src/llm/provider-health.js";
import { type FakeLlmServer, startFakeAnthropic, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp } from "./test-app.js";

let openai: FakeLlmServer;
let anthropic: FakeLlmServer;
let lockedOut: FakeLlmServer;
let silent: Server;
let silentUrl: string;
let closedUrl: string;

beforeAll(async () => {
  openai = await startFakeOpenAI({ models: ["gpt-4o-mini"], apiKey: "sk-openai" });
  anthropic = await startFakeAnthropic({ apiKey: "sk-ant" });
  lockedOut = await startFakeOpenAI({ apiKey: "the-right-key" });
  // Accepts connections and never answers: a provider that hangs.
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
  // A port nothing listens on any more: a provider that is down.
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/v1`;
  await new Promise((resolve) => gone.close(resolve));
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
  await lockedOut.close();
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});

it("reports which providers answered a probe, without waiting for the slow ones", async () => {
  const config = {
    openai: { apiKey: "sk-openai", baseUrl: openai.url },
    anthropic: { apiKey: "sk-ant", baseUrl: anthropic.url },
    openaiCompatible: [
      { name: "down", baseUrl: closedUrl },
      { name: "hanging", baseUrl: silentUrl },
      { name: "wrongkey", baseUrl: lockedOut.url, apiKey: "a-wrong-key" },
    ],
  };
  const providerHealth = createProviderHealth({ config, timeoutMs: 4_000 });
  const t = await createTestApp({ providers: config, providerHealth });
  try {
    // The first read starts a round of probes and answers at once from what is known: nothing yet.
    const first = await t.call("GET", "/v1/health/");
    expect(first.status).toBe(200);
    expect(first.body.providers).toEqual(["openai", "anthropic", "down", "hanging", "wrongkey"]);
    expect(first.body.provider_status.map((probe: { status: string }) => probe.status)).toEqual([
      "pending",
      "pending",
      "pending",
      "pending",
      "pending",
    ]);

    await providerHealth.refresh();
    const second = await t.call("GET", "/v1/health/");
    const byName = Object.fromEntries(
      second.body.provider_status.map((probe: { name: string }) => [probe.name, probe]),
    );
    expect(byName.openai).toMatchObject({ status: "ok", http_status: 200, detail: null });
    expect(byName.anthropic).toMatchObject({ status: "ok", http_status: 200 });
    expect(byName.down).toMatchObject({ status: "unreachable", http_status: null });
    expect(byName.down.detail).toMatch(/could not connect/);
    expect(byName.hanging).toMatchObject({ status: "unreachable", detail: "no answer within 4000 ms" });
    expect(byName.wrongkey).toMatchObject({ status: "error", http_status: 401 });
    expect(byName.openai.latency_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(byName.openai.checked_at)).not.toBeNaN();
    // Health is served without a key: no address and no key in it.
    const text = JSON.stringify(second.body);
    for (const secret of ["sk-openai", "sk-ant", "a-wrong-key", "127.0.0.1"])
      expect(text).not.toContain(secret);

    // Each provider was asked with its own API's authentication.
    const openaiProbe = openai.requests.find((request) => request.path === "/v1/models");
    expect(openaiProbe?.headers.authorization).toBe("Bearer sk-openai");
    const anthropicProbe = anthropic.requests.find((request) => request.path === "/v1/models");
    expect(anthropicProbe?.headers["x-api-key"]).toBe("sk-ant");
    expect(anthropicProbe?.headers["anthropic-version"]).toBeDefined();
  } finally {
    await t.close();
  }
}, 60_000);

it("probes again from a read once the results are stale, one round at a time", async () => {
  let clock = 0;
  let calls = 0;
  const countingFetch: typeof fetch = (input, init) => {
    calls += 1;
    return fetch(input, init);
  };
  const config = { openai: { apiKey: "sk-openai", baseUrl: openai.url } };
  const providerHealth = createProviderHealth({
    config,
    maxAgeMs: 10_000,
    now: () => clock,
    fetch: countingFetch,
  });
  expect(providerHealth.snapshot()[0]?.status).toBe("pending");
  expect(calls).toBe(1);
  // A read during a round starts no second one; refresh() joins the running round.
  providerHealth.snapshot();
  await providerHealth.refresh();
  expect(calls).toBe(1);
  clock = 5_000;
  expect(providerHealth.snapshot()[0]?.status).toBe("ok");
  expect(calls).toBe(1);
  // Stale: the read answers with the last results and probes in the background.
  clock = 20_000;
  expect(providerHealth.snapshot()[0]?.status).toBe("ok");
  expect(calls).toBe(2);
  await providerHealth.refresh();
  expect(calls).toBe(2);
});
