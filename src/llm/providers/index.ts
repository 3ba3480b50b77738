export {
  createEmbedder,
  DEFAULT_EMBEDDING_TIMEOUT_MS,
  type Embedder,
  type EmbedderOptions,
} from "./embeddings.js";
export { LlmError, type LlmErrorInit, type LlmErrorKind, retryAfterMs, toLlmError } from "./llm-error.js";
export {
  createModelFactory,
  handleOf,
  type ModelFactory,
  type ProviderFamily,
  type ResolvedModel,
} from "./model-factory.js";
export { createModelProvider, DEFAULT_LLM_TIMEOUT_MS, type ModelProviderOptions } from "./model-provider.js";
export {
  DEFAULT_RETRY_POLICY,
  type RetryNotice,
  type RetryPolicy,
  retryDelayMs,
  type Sleep,
} from "./retry.js";
export type * from "./types.js";
