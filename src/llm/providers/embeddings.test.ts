import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, fakeEmbed, startFakeOpenAI } from "../../../test/fake-llm/index.js";
import type { EmbeddingConfig } from "../../domain/index.js";
import { createEmbedder, type Embedder } from "./embeddings.js";
import { LlmError } from "./llm-error.js";

let server: FakeLlmServer;
let embedder: Embedder;

const config = (overrides: Partial<EmbeddingConfig> = {}): EmbeddingConfig => ({
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 256,
  handle: "openai/text-embedding-3-small",
  ...overrides,
});

beforeAll(async () => {
  server = await startFakeOpenAI({ embeddingDim: 384 });
  embedder = createEmbedder({
    providers: {
      openai: { apiKey: "k", baseUrl: server.url },
      anthropic: { apiKey: "k" },
      ollama: { baseUrl: server.url.replace(/\/v1$/, "") },
    },
    retry: { initialDelayMs: 1 },
  });
});

afterAll(() => server.close());

beforeEach(() => server.reset());

describe("createEmbedder", () => {
  it("embeds in batches of the configured size, in order, at the configured dimension", async () => {
    const texts = Array.from({ length: 70 }, (_, index) => `note number ${index} about topic ${index % 7}`);
    const vectors = await embedder.embed(texts, config({ batch_size: 32 }));
    const sizes = server.requests.map((request) => (request.body as { input: string[] }).input.length);
    expect(sizes).toEqual([32, 32, 6]);
    expect(
      server.requests.every((request) => (request.body as { dimensions?: number }).dimensions === 256),
    ).toBe(true);
    expect(vectors).toHaveLength(70);
    expect(vectors.every((vector) => vector.length === 256)).toBe(true);
    expect(vectors[45]).toEqual(fakeEmbed(texts[45]!, 256).map((value) => expect.closeTo(value, 6)));
  });

  it("batches 32 texts a request by default", async () => {
    const texts = Array.from({ length: 33 }, (_, index) => `text ${index}`);
    const vectors = await embedder.embed(texts, "openai/text-embedding-3-small");
    expect(server.requests).toHaveLength(2);
    expect(vectors.every((vector) => vector.length === 384)).toBe(true);
  });

  it("makes no request for no texts", async () => {
    expect(await embedder.embed([], config())).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it("retries a rate-limited batch", async () => {
    server.script.failNext({ fault: "rate-limit", retryAfterSeconds: 0 }, "embedding");
    const vectors = await embedder.embed(["a", "b"], config());
    expect(vectors).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it("embeds through Ollama's OpenAI-style API", async () => {
    const vectors = await embedder.embed(
      ["hello"],
      config({
        embedding_endpoint_type: "ollama",
        embedding_model: "nomic-embed-text",
        handle: null,
        embedding_dim: 384,
      }),
    );
    expect(vectors[0]).toHaveLength(384);
    expect(server.requests[0]?.path).toBe("/v1/embeddings");
    expect(server.requests[0]?.body).not.toHaveProperty("dimensions");
  });

  it("rejects vectors whose size differs from the config", async () => {
    const error = await embedder
      .embed(["hello"], config({ handle: "ollama/nomic-embed-text", embedding_dim: 768 }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: "invalid_response" });
    expect((error as Error).message).toContain("expected 768-dimensional embeddings, got 384");
  });

  it("refuses a provider without embeddings", async () => {
    const error = await embedder
      .embed(["hello"], "anthropic/claude-sonnet-4-5")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "configuration" });
  });
});
