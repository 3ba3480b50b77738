import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createModelRegistry } from "../model-registry.js";
import { isValidModelName } from "./local-catalog.js";
import { inspectModel, localModelSettingsFromEnv } from "./models-dir.js";

const dirs: string[] = [];
function modelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "reverie-local-models-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A model folder with the files a runnable model has (the weights are a stand-in: never run here). */
function fakeModel(dir: string, name: string, hiddenSize = 384): void {
  mkdirSync(join(dir, name, "onnx"), { recursive: true });
  writeFileSync(join(dir, name, "config.json"), JSON.stringify({ hidden_size: hiddenSize }));
  writeFileSync(join(dir, name, "tokenizer.json"), "{}");
  writeFileSync(join(dir, name, "tokenizer_config.json"), "{}");
  writeFileSync(join(dir, name, "onnx", "model.onnx"), "weights");
}

describe("local embedding settings", () => {
  it("are on when the package is installed, with models under the home unless REVERIE_MODELS_DIR says", () => {
    const installed = () => true;
    expect(localModelSettingsFromEnv({}, "/home/r", installed)).toEqual({
      modelsDir: "/home/r/models",
      hubUrl: "https://huggingface.co",
    });
    expect(
      localModelSettingsFromEnv(
        { REVERIE_MODELS_DIR: "/m", REVERIE_MODELS_HUB: "http://hub/" },
        "/h",
        installed,
      ),
    ).toEqual({ modelsDir: "/m", hubUrl: "http://hub" });
    expect(localModelSettingsFromEnv({ REVERIE_MODELS_HUB: "off" }, "/h", installed)?.hubUrl).toBeUndefined();
    expect(localModelSettingsFromEnv({ REVERIE_LOCAL_EMBEDDINGS: "off" }, "/h", installed)).toBeUndefined();
    expect(localModelSettingsFromEnv({}, "/h", () => false)).toBeUndefined();
  });

  it("refuse model names that could leave the models directory", () => {
    for (const bad of ["..", "../x", "a/../b", "a/b/c", "/etc", "a\\b", "", ".hidden", "a/..", "x..y/z"]) {
      expect(isValidModelName(bad), bad).toBe(false);
    }
    for (const good of ["all-MiniLM-L6-v2", "Xenova/bge-small-en-v1.5", "e5_small"]) {
      expect(isValidModelName(good), good).toBe(true);
    }
  });

  it("count a folder only when config, tokenizer and weights are all there", async () => {
    const dir = modelsDir();
    fakeModel(dir, "org/custom-model", 768);
    expect((await inspectModel(dir, "org/custom-model"))?.dim).toBe(768);
    rmSync(join(dir, "org/custom-model", "tokenizer.json"));
    expect(await inspectModel(dir, "org/custom-model")).toBeUndefined();
    expect(await inspectModel(dir, "../../etc")).toBeUndefined();
  });
});

describe("the local provider in the registry", () => {
  it("is the default embedding when nothing else embeds, and only then", async () => {
    const dir = modelsDir();
    const local = { modelsDir: dir, hubUrl: "http://127.0.0.1:9" };
    expect(await createModelRegistry({ local }).defaultEmbeddingHandle()).toBe("local/all-MiniLM-L6-v2");
    expect(await createModelRegistry({ local, anthropic: { apiKey: "k" } }).defaultEmbeddingHandle()).toBe(
      "local/all-MiniLM-L6-v2",
    );
    expect(await createModelRegistry({ local, openai: { apiKey: "k" } }).defaultEmbeddingHandle()).toBe(
      "openai/text-embedding-3-small",
    );
  });

  it("offers only the models on disk when downloads are off", async () => {
    const dir = modelsDir();
    const registry = createModelRegistry({ local: { modelsDir: dir, hubUrl: undefined } });
    expect(await registry.defaultEmbeddingHandle()).toBeUndefined();
    await expect(registry.resolveEmbedding("local/all-MiniLM-L6-v2")).rejects.toThrow(/not found/);
    fakeModel(dir, "all-MiniLM-L6-v2");
    const config = await registry.resolveEmbedding("local/ALL-MINILM-L6-V2");
    expect(config).toMatchObject({
      handle: "local/all-MiniLM-L6-v2",
      embedding_model: "all-MiniLM-L6-v2",
      embedding_dim: 384,
      embedding_endpoint_type: "hugging-face",
    });
    expect(config.embedding_chunk_size).toBeLessThanOrEqual(256);
    expect((await registry.listEmbeddingModels()).map((model) => model.handle)).toEqual([
      "local/all-MiniLM-L6-v2",
    ]);
    await expect(registry.resolveLlm("local/all-MiniLM-L6-v2")).rejects.toThrow(/not found/);
  });
});
