import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("health and models endpoints", () => {
  let fake: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    t = await createTestApp({ providers: { openai: { apiKey: "sk-test", baseUrl: fake.url } } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it("reports health with the Letta version the clients check", async () => {
    for (const path of ["/v1/health", "/v1/health/"]) {
      const response = await t.call("GET", path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: "ok",
        version: "0.16.8",
        reverie_version: "0.0.0-test",
        providers: ["openai"],
        // This app has no prober: no probe results (the server's are in provider-health.test.ts).
        provider_status: [],
      });
    }
  });

  it("lists the models the configured OpenAI endpoint serves", async () => {
    const models = await t.call("GET", "/v1/models/");
    expect(models.status).toBe(200);
    expect(models.body).toEqual([
      {
        name: "gpt-4o-mini",
        handle: "openai/gpt-4o-mini",
        display_name: "gpt-4o-mini",
        provider_type: "openai",
        provider_name: "openai",
        provider_category: "base",
        model_type: "llm",
        max_context_window: 128_000,
        model: "gpt-4o-mini",
        model_endpoint_type: "openai",
        model_endpoint: fake.url,
        context_window: 128_000,
      },
    ]);
    expect((await t.call("GET", "/v1/models?provider_name=anthropic")).body).toEqual([]);
    expect(
      (await t.call("GET", "/v1/models?provider_category=base&provider_category=byok")).body,
    ).toHaveLength(1);
    for (const path of ["/v1/models/embedding", "/v1/models/embeddings"]) {
      const embeddings = await t.call("GET", path);
      expect(embeddings.status).toBe(200);
      expect(embeddings.body).toEqual([
        expect.objectContaining({
          handle: "openai/text-embedding-3-small",
          embedding_dim: 1536,
          model_type: "embedding",
        }),
      ]);
    }
  });

  it("creates agents on the discovered model, pointing at the configured endpoint", async () => {
    const agent = await t.call("POST", "/v1/agents/", {
      name: "a",
      embedding: "openai/text-embedding-3-small",
    });
    expect(agent.status).toBe(200);
    expect(agent.body.llm_config).toMatchObject({ handle: "openai/gpt-4o-mini", model_endpoint: fake.url });
    expect(agent.body.embedding_config).toMatchObject({
      handle: "openai/text-embedding-3-small",
      embedding_endpoint: fake.url,
    });
  });
});
