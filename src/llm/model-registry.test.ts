import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../../test/fake-llm/index.js";
import { ReverieError } from "../domain/index.js";
import { createModelDiscovery } from "./model-discovery.js";
import { createModelRegistry } from "./model-registry.js";

async function rejection(promise: Promise<unknown>): Promise<ReverieError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReverieError);
  return error as ReverieError;
}

describe("model registry, catalog providers", () => {
  const registry = createModelRegistry({ openai: { apiKey: "sk-test" }, anthropic: {} });

  it("lists the catalog models of configured providers only", async () => {
    const models = await registry.listModels();
    const handles = models.map((model) => model.handle);
    expect(handles).toContain("openai/gpt-4o-mini");
    expect(handles).toContain("openai/gpt-4.1");
    expect(handles.some((handle) => handle.startsWith("anthropic/"))).toBe(false);
    const mini = models.find((model) => model.handle === "openai/gpt-4o-mini");
    expect(mini).toMatchObject({
      name: "gpt-4o-mini",
      provider_type: "openai",
      provider_name: "openai",
      provider_category: "base",
      model_type: "llm",
      max_context_window: 128_000,
      context_window: 128_000,
      model_endpoint_type: "openai",
      model_endpoint: "https://api.openai.com/v1",
    });
    const embeddings = await registry.listEmbeddingModels();
    expect(embeddings.map((model) => [model.handle, model.embedding_dim])).toEqual([
      ["openai/text-embedding-3-small", 1536],
      ["openai/text-embedding-3-large", 3072],
      ["openai/text-embedding-ada-002", 1536],
    ]);
    expect(await registry.listModels({ provider_name: "anthropic" })).toEqual([]);
  });

  it("resolves handles to Letta configs, capping the window", async () => {
    const config = await registry.resolveLlm("openai/gpt-4o-mini", { contextWindowLimit: 32_000 });
    expect(config).toMatchObject({
      model: "gpt-4o-mini",
      model_endpoint_type: "openai",
      handle: "openai/gpt-4o-mini",
      provider_name: "openai",
      context_window: 32_000,
    });
    expect(
      (await registry.resolveLlm("openai/gpt-4o-mini", { contextWindowLimit: 10_000_000 })).context_window,
    ).toBe(128_000);
    // A model the catalog does not know still resolves on a configured first-party provider.
    expect((await registry.resolveLlm("openai/gpt-9-preview")).context_window).toBe(128_000);
    expect(await registry.resolveEmbedding("openai/text-embedding-3-large")).toMatchObject({
      embedding_model: "text-embedding-3-large",
      embedding_dim: 3072,
      handle: "openai/text-embedding-3-large",
    });
  });

  it("explains unknown, unconfigured and malformed handles", async () => {
    const unconfigured = await rejection(registry.resolveLlm("anthropic/claude-sonnet-4-5-20250929"));
    expect(unconfigured.code).toBe("invalid_argument");
    expect(unconfigured.message).toBe("Provider 'anthropic' is not configured: set ANTHROPIC_API_KEY");
    const unknown = await rejection(registry.resolveLlm("nope/model"));
    expect(unknown.message).toMatch(/Unknown provider 'nope'/);
    const malformed = await rejection(registry.resolveLlm("gpt-4o-mini"));
    expect(malformed.message).toMatch(/expected 'provider\/model'/);
  });

  it("picks the first configured provider's default models", async () => {
    expect(await registry.defaultLlmHandle()).toBe("openai/gpt-4o-mini");
    expect(await registry.defaultEmbeddingHandle()).toBe("openai/text-embedding-3-small");
    const anthropicOnly = createModelRegistry({ anthropic: { apiKey: "a" } });
    expect(await anthropicOnly.defaultLlmHandle()).toBe("anthropic/claude-sonnet-4-5-20250929");
    expect(await anthropicOnly.defaultEmbeddingHandle()).toBeUndefined();
    const nothing = createModelRegistry({});
    expect(await nothing.defaultLlmHandle()).toBeUndefined();
    expect(nothing.configuredProviders()).toEqual([]);
    const explicit = createModelRegistry({ openai: { apiKey: "k" }, defaultModel: "openai/gpt-4.1" });
    expect(await explicit.defaultLlmHandle()).toBe("openai/gpt-4.1");
  });

  it("lists the default embedding model first, so clients can offer it as the default", async () => {
    const chosen = createModelRegistry({
      openai: { apiKey: "k" },
      defaultEmbedding: "openai/text-embedding-3-large",
    });
    const handles = (await chosen.listEmbeddingModels()).map((model) => model.handle);
    expect(handles[0]).toBe("openai/text-embedding-3-large");
    expect(handles).toContain("openai/text-embedding-3-small");
    expect(new Set(handles).size).toBe(handles.length);
  });
});

describe("model registry, discovered providers", () => {
  let fake: FakeLlmServer;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ["llama3.1:8b", "qwen2.5:7b", "nomic-embed-text:latest"] });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("lists and resolves what an OpenAI-compatible endpoint serves", async () => {
    const registry = createModelRegistry({ openaiCompatible: [{ name: "local", baseUrl: fake.url }] });
    expect((await registry.listModels()).map((model) => model.handle)).toEqual([
      "local/llama3.1:8b",
      "local/qwen2.5:7b",
    ]);
    const [embedding] = await registry.listEmbeddingModels();
    expect(embedding).toMatchObject({ handle: "local/nomic-embed-text:latest", embedding_dim: 384 });
    expect(await registry.resolveLlm("local/qwen2.5:7b")).toMatchObject({
      model: "qwen2.5:7b",
      context_window: 8_192,
      model_endpoint: fake.url,
      provider_name: "local",
    });
    const missing = await rejection(registry.resolveLlm("local/mistral"));
    expect(missing.code).toBe("not_found");
    expect(missing.message).toMatch(/available: local\/llama3.1:8b, local\/qwen2.5:7b/);
    expect(await registry.defaultLlmHandle()).toBe("local/llama3.1:8b");
  });

  it("treats Ollama's server URL with or without /v1 alike", async () => {
    const registry = createModelRegistry({ ollama: { baseUrl: fake.url.replace(/\/v1$/, "") } });
    expect((await registry.listModels()).map((model) => model.handle)).toContain("ollama/llama3.1:8b");
  });

  it("lists the proxy's models when OPENAI_BASE_URL is set, with catalog windows where known", async () => {
    const proxy = await startFakeOpenAI({
      models: ["gpt-4o-mini-2024-07-18", "text-embedding-3-small", "whisper-1"],
    });
    try {
      const registry = createModelRegistry({ openai: { apiKey: "k", baseUrl: proxy.url } });
      const models = await registry.listModels();
      expect(models.map((model) => [model.handle, model.max_context_window])).toEqual([
        ["openai/gpt-4o-mini-2024-07-18", 128_000],
      ]);
      expect((await registry.listEmbeddingModels()).map((model) => model.handle)).toEqual([
        "openai/text-embedding-3-small",
      ]);
      expect(await registry.defaultLlmHandle()).toBe("openai/gpt-4o-mini-2024-07-18");
    } finally {
      await proxy.close();
    }
  });

  it("gives an unreachable endpoint the benefit of the doubt and caches the failure briefly", async () => {
    let calls = 0;
    const discovery = createModelDiscovery({
      timeoutMs: 200,
      fetch: async () => {
        calls += 1;
        throw new TypeError("fetch failed");
      },
    });
    const registry = createModelRegistry(
      { openaiCompatible: [{ name: "down", baseUrl: "http://127.0.0.1:9/v1" }] },
      { discovery },
    );
    expect(await registry.listModels()).toEqual([]);
    expect((await registry.resolveLlm("down/any-model")).context_window).toBe(8_192);
    expect(calls).toBe(1);
  });
});
