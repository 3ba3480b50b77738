import type { EmbeddingConfig } from "../../domain/index.js";
import { DEFAULT_EMBEDDING_BATCH_SIZE } from "../model-catalog.js";
import { LlmError } from "../providers/llm-error.js";
import { catalogModel } from "./local-catalog.js";
import { ModelDownloadError, pullModel } from "./model-pull.js";
import { type InstalledModel, inspectModel, type LocalModelSettings } from "./models-dir.js";
import { createEmbeddingWorker, type EmbeddingWorker, type EmbeddingWorkerOptions } from "./worker-client.js";

/** Embeds with `local/<model>` handles, in process, in a worker thread. */
export interface LocalEmbedder {
  embed(
    texts: readonly string[],
    model: string | EmbeddingConfig,
    options?: { abortSignal?: AbortSignal | undefined },
  ): Promise<number[][]>;
  close(): Promise<void>;
}

export interface LocalEmbedderOptions extends EmbeddingWorkerOptions {
  settings: LocalModelSettings;
  worker?: EmbeddingWorker | undefined;
  fetch?: typeof fetch | undefined;
}

/**
 * The local Embedder: finds the model's folder (downloading it on first use when a hub is configured),
 * then runs batches of the config's `batch_size` in the worker and checks every vector's size.
 */
export function createLocalEmbedder(options: LocalEmbedderOptions): LocalEmbedder {
  const { settings } = options;
  const worker = options.worker ?? createEmbeddingWorker(options);
  const ready = new Map<string, Promise<InstalledModel>>();

  const locate = (name: string): Promise<InstalledModel> => {
    const key = catalogModel(name)?.name ?? name;
    let found = ready.get(key);
    if (found === undefined) {
      found = findOrPull(name, settings, options.fetch);
      ready.set(key, found);
      found.catch(() => ready.delete(key));
    }
    return found;
  };

  return {
    async embed(texts, model, embedOptions = {}) {
      if (texts.length === 0) return [];
      const config = typeof model === "string" ? undefined : model;
      const handle = typeof model === "string" ? model : (model.handle ?? `local/${model.embedding_model}`);
      const name = config?.embedding_model ?? handle.slice(handle.indexOf("/") + 1);
      const installed = await locate(name).catch((error: unknown) => {
        if (error instanceof LlmError) throw error;
        if (error instanceof ModelDownloadError) {
          throw new LlmError({ kind: "connection", model: handle, detail: error.message, cause: error });
        }
        throw configuration(handle, describe(error));
      });
      const batchSize = Math.max(1, config?.batch_size ?? DEFAULT_EMBEDDING_BATCH_SIZE);
      const loaded = {
        modelsDir: settings.modelsDir,
        name: installed.name,
        onnxFile: installed.onnxFile,
        pooling: installed.pooling,
        maxTokens: installed.maxTokens,
      };
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        if (embedOptions.abortSignal?.aborted) {
          throw new LlmError({ kind: "cancelled", model: handle, detail: "the embedding was cancelled" });
        }
        let batch: number[][];
        try {
          batch = await worker.embed(loaded, texts.slice(start, start + batchSize).map(String));
        } catch (error) {
          throw new LlmError({ kind: "server", model: handle, detail: describe(error), retryable: false });
        }
        for (const vector of batch) {
          if (config && vector.length !== config.embedding_dim) {
            throw new LlmError({
              kind: "invalid_response",
              model: handle,
              detail: `expected ${config.embedding_dim}-dimensional embeddings, got ${vector.length}; fix the embedding config's embedding_dim`,
            });
          }
          vectors.push(vector);
        }
      }
      return vectors;
    },
    close: () => worker.close(),
  };
}

async function findOrPull(
  name: string,
  settings: LocalModelSettings,
  fetchImpl: typeof fetch | undefined,
): Promise<InstalledModel> {
  const present = await inspectModel(settings.modelsDir, name);
  if (present) return present;
  if (settings.hubUrl === undefined) {
    throw configuration(
      `local/${name}`,
      `model '${name}' is not in ${settings.modelsDir} and downloads are off (REVERIE_MODELS_HUB); ` +
        `run 'reverie models pull ${name}' where there is internet and copy the folder there`,
    );
  }
  return pullModel(name, { modelsDir: settings.modelsDir, hubUrl: settings.hubUrl, fetch: fetchImpl });
}

function configuration(model: string, detail: string): LlmError {
  return new LlmError({ kind: "configuration", model, detail });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
