import { type EmbeddingModel, embedMany } from "ai";
import type { EmbeddingConfig } from "../../domain/index.js";
import { createLocalEmbedder, type LocalEmbedder } from "../local/local-embedder.js";
import { DEFAULT_EMBEDDING_BATCH_SIZE } from "../model-catalog.js";
import type { ProviderConfig } from "../provider-config.js";
import { startAttemptDeadline } from "./attempt-deadline.js";
import { LlmError, toLlmError } from "./llm-error.js";
import { createModelFactory, handleOf, type ModelFactory, type ProviderFamily } from "./model-factory.js";
import {
  DEFAULT_RETRY_POLICY,
  type RetryNotice,
  type RetryPolicy,
  realSleep,
  type Sleep,
  withRetries,
} from "./retry.js";

/** Default time one embedding request may take. */
export const DEFAULT_EMBEDDING_TIMEOUT_MS = 60_000;

/** The port for embedding text; failures are thrown as `LlmError`. */
export interface Embedder {
  /**
   * Embeds `texts` in order with `model` (a handle or an EmbeddingConfig), in batches of the config's
   * `batch_size` (default 32), each batch retried on transient failures. With an EmbeddingConfig every
   * vector is checked to have `embedding_dim` dimensions.
   */
  embed(
    texts: readonly string[],
    model: string | EmbeddingConfig,
    options?: { abortSignal?: AbortSignal | undefined },
  ): Promise<number[][]>;
  /** Releases what it holds (the local models' worker thread). */
  close?(): Promise<void>;
}

/** Options of {@link createEmbedder}; the same knobs as the model provider's. */
export interface EmbedderOptions {
  providers: ProviderConfig;
  retry?: Partial<RetryPolicy> | undefined;
  timeoutMs?: number | undefined;
  onRetry?: ((notice: RetryNotice) => void) | undefined;
  sleep?: Sleep | undefined;
  factory?: ModelFactory | undefined;
  /** Replaces the in-process embedder of `local/<model>` handles (tests). */
  local?: LocalEmbedder | undefined;
}

/** The Embedder over the AI SDK's `embedMany` (OpenAI, Gemini, Ollama, OpenAI-compatible endpoints). */
export function createEmbedder(options: EmbedderOptions): Embedder {
  const factory = options.factory ?? createModelFactory(options.providers);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? DEFAULT_EMBEDDING_TIMEOUT_MS;
  const localSettings = options.providers.local;
  let local = options.local;

  return {
    async embed(texts, model, embedOptions = {}) {
      if (texts.length === 0) return [];
      if (localSettings !== undefined && handleOf(model).startsWith("local/")) {
        local ??= createLocalEmbedder({ settings: localSettings, threads: localSettings.threads });
        return local.embed(texts, model, embedOptions);
      }
      const target = factory.embeddingModel(model);
      const config = typeof model === "string" ? undefined : model;
      const batchSize = await batchSizeFor(target.model, config);
      const providerOptions = dimensionOptions(target.family, target.optionsKey, target.modelId, config);
      const abortSignal = embedOptions.abortSignal;
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const embeddings = await withRetries(
          async () => {
            const deadline = startAttemptDeadline(target.handle, timeoutMs, abortSignal);
            try {
              const result = await embedMany({
                model: target.model,
                values: batch,
                maxRetries: 0,
                maxParallelCalls: 1,
                abortSignal: deadline.signal,
                providerOptions,
              });
              return result.embeddings;
            } catch (error) {
              throw deadline.failure() ?? error;
            } finally {
              deadline.dispose();
            }
          },
          (error) => toLlmError(error, target.handle),
          { policy, sleep: options.sleep ?? realSleep, onRetry: options.onRetry, abortSignal },
        );
        if (embeddings.length !== batch.length) {
          throw invalid(target.handle, `asked for ${batch.length} embeddings, got ${embeddings.length}`);
        }
        for (const embedding of embeddings) {
          if (config && embedding.length !== config.embedding_dim) {
            throw invalid(
              target.handle,
              `expected ${config.embedding_dim}-dimensional embeddings, got ${embedding.length}; ` +
                "fix the embedding config's embedding_dim",
            );
          }
          vectors.push(embedding);
        }
      }
      return vectors;
    },
    async close() {
      await local?.close();
    },
  };
}

/**
 * Texts per request: the config's `batch_size` (default 32), but never more than the provider takes in
 * one call, so that one request is one retry unit (the AI SDK would otherwise split it and a failure of
 * any part would redo the whole batch).
 */
async function batchSizeFor(model: EmbeddingModel, config: EmbeddingConfig | undefined): Promise<number> {
  const wanted = Math.max(1, config?.batch_size ?? DEFAULT_EMBEDDING_BATCH_SIZE);
  const providerMax = typeof model === "string" ? undefined : await model.maxEmbeddingsPerCall;
  return providerMax !== undefined && providerMax > 0 ? Math.min(wanted, providerMax) : wanted;
}

/** Asks models that can shorten their vectors for the configured size (OpenAI v3 models, Gemini). */
function dimensionOptions(
  family: ProviderFamily,
  optionsKey: string,
  modelId: string,
  config: EmbeddingConfig | undefined,
): Record<string, Record<string, number>> | undefined {
  if (config === undefined) return undefined;
  if (family === "openai" && modelId.startsWith("text-embedding-3")) {
    return { [optionsKey]: { dimensions: config.embedding_dim } };
  }
  if (family === "google") return { [optionsKey]: { outputDimensionality: config.embedding_dim } };
  return undefined;
}

function invalid(model: string, detail: string): LlmError {
  return new LlmError({ kind: "invalid_response", model, detail });
}
