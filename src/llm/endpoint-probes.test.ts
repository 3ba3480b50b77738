import { afterEach, describe, expect, it } from "vitest";
import { type FakeLocalServer, startFakeLocalServer } from "../../test/fake-llm/local-servers.js";
import { ReverieError } from "../domain/index.js";
import { createModelRegistry } from "./model-registry.js";
import { providerConfigFromEnv } from "./provider-config.js";

const servers: FakeLocalServer[] = [];
async function serve(options: Parameters<typeof startFakeLocalServer>[0]): Promise<FakeLocalServer> {
  const server = await startFakeLocalServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe("embedding sizes come from the endpoint", () => {
  it("probes one embedding for a model no table knows, once", async () => {
    const server = await serve({
      flavour: "bare",
      models: ["e5/multilingual-e5-small-q4", "acme-vectors-v7"],
      embeddingDim: 384,
    });
    const registry = createModelRegistry({ openaiCompatible: [{ name: "lm", baseUrl: server.url }] });
    const config = await registry.resolveEmbedding("lm/acme-vectors-v7");
    expect(config).toMatchObject({ handle: "lm/acme-vectors-v7", embedding_dim: 384 });
    expect((await registry.resolveEmbedding("lm/e5/multilingual-e5-small-q4")).embedding_dim).toBe(384);
    await registry.resolveEmbedding("lm/acme-vectors-v7");
    expect(server.requests.filter((request) => request === "POST /v1/embeddings")).toHaveLength(2);
  });

  it("believes the probe over a name (an HF-cased id on a server that shortens vectors)", async () => {
    const server = await serve({ flavour: "ollama", models: ["All-MiniLM-L6-v2"], embeddingDim: 256 });
    const registry = createModelRegistry({ ollama: { baseUrl: server.url.replace(/\/v1$/, "") } });
    expect((await registry.resolveEmbedding("ollama/All-MiniLM-L6-v2")).embedding_dim).toBe(256);
    expect((await registry.listEmbeddingModels())[0]).toMatchObject({ embedding_dim: 256 });
  });

  it("falls back to a known model's size, matched case-insensitively, when the probe fails", async () => {
    const server = await serve({
      flavour: "bare",
      models: ["sentence-transformers/All-MiniLM-L6-v2", "mystery"],
    });
    const registry = createModelRegistry({ openaiCompatible: [{ name: "lm", baseUrl: server.url }] });
    expect((await registry.resolveEmbedding("lm/sentence-transformers/All-MiniLM-L6-v2")).embedding_dim).toBe(
      384,
    );
    const error = await registry.resolveEmbedding("lm/mystery").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReverieError);
    expect((error as ReverieError).code).toBe("invalid_argument");
    expect((error as Error).message).toMatch(
      /Could not learn the embedding size of 'lm\/mystery'.*embedding_dim/,
    );
  });
});

describe("context windows come from the server", () => {
  it("reads vLLM's max_model_len from its model list", async () => {
    const server = await serve({
      flavour: "vllm",
      models: ["meta-llama/Llama-3.1-8B-Instruct"],
      contextLength: 8192,
    });
    const registry = createModelRegistry({ openaiCompatible: [{ name: "vllm", baseUrl: server.url }] });
    expect((await registry.resolveLlm("vllm/meta-llama/Llama-3.1-8B-Instruct")).context_window).toBe(8192);
    expect((await registry.listModels())[0]?.max_context_window).toBe(8192);
    expect(server.requests).not.toContain("GET /props");
  });

  it("reads llama.cpp's n_ctx from /props", async () => {
    const server = await serve({
      flavour: "llamacpp",
      models: ["qwen2.5-7b-instruct-q4_k_m.gguf"],
      contextLength: 4096,
    });
    const registry = createModelRegistry({ openaiCompatible: [{ name: "llama", baseUrl: server.url }] });
    expect((await registry.resolveLlm("llama/qwen2.5-7b-instruct-q4_k_m.gguf")).context_window).toBe(4096);
  });

  it("reads Ollama's num_ctx, else the model's trained length, from /api/show", async () => {
    const tuned = await serve({
      flavour: "ollama",
      models: ["llama3.1:8b"],
      contextLength: 8192,
      trainedLength: 131072,
    });
    const registry = createModelRegistry({ ollama: { baseUrl: tuned.url.replace(/\/v1$/, "") } });
    expect((await registry.resolveLlm("ollama/llama3.1:8b")).context_window).toBe(8192);
    const plain = await serve({ flavour: "ollama", models: ["qwen3:4b"], trainedLength: 40960 });
    const second = createModelRegistry({ ollama: { baseUrl: plain.url } });
    expect((await second.resolveLlm("ollama/qwen3:4b")).context_window).toBe(40960);
  });

  it("uses a documented default when the server does not say, which REVERIE_DEFAULT_CONTEXT_WINDOW overrides", async () => {
    const server = await serve({ flavour: "bare", models: ["mystery-chat"] });
    const endpoint = `lm=${server.url}`;
    const registry = createModelRegistry(providerConfigFromEnv({ REVERIE_OPENAI_COMPATIBLE: endpoint }));
    expect((await registry.resolveLlm("lm/mystery-chat")).context_window).toBe(8192);
    const overridden = createModelRegistry(
      providerConfigFromEnv({ REVERIE_OPENAI_COMPATIBLE: endpoint, REVERIE_DEFAULT_CONTEXT_WINDOW: "16384" }),
    );
    expect((await overridden.resolveLlm("lm/mystery-chat")).context_window).toBe(16384);
    for (const bad of ["lots", "100", "-5", "1e9x"]) {
      expect(() => providerConfigFromEnv({ REVERIE_DEFAULT_CONTEXT_WINDOW: bad }), bad).toThrow(
        /REVERIE_DEFAULT_CONTEXT_WINDOW: expected a number of tokens/,
      );
    }
  });
});
