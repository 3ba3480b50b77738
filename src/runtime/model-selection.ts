import type { AgentRecord, CreateAgent, EmbeddingConfig, LlmConfig, UpdateAgent } from "../domain/index.js";
import { ReverieError } from "../domain/index.js";
import {
  applyModelSettings,
  capContextWindow,
  normalizeLegacyEmbeddingConfig,
  normalizeLegacyLlmConfig,
} from "../llm/llm-config-overrides.js";
import type { ModelRegistry } from "../llm/model-registry.js";

/** What an agent stores about its chat model. */
export interface LlmChoice {
  model: string | null;
  llm_config: LlmConfig;
}

/** What an agent stores about its embedding model. */
export interface EmbeddingChoice {
  embedding: string | null;
  embedding_config: EmbeddingConfig | null;
}

/** How a config given in a request is taken: `checked` (the API) or `as-given` (an Agent File, which warns). */
export interface ConfigPolicy {
  /**
   * Take legacy configs without checking their provider (Agent File import: a file from another server
   * keeps its config, and the import warns that its turns will fail until the provider is configured).
   */
  asGiven?: boolean;
}

/**
 * A legacy `llm_config` from a request, with its handle filled in: its provider must be one this server
 * knows and, when configured, serves the model (422 naming the field otherwise), else every turn of the
 * agent would fail later with a 502. A known provider not configured yet is accepted, as given:
 * configuring it makes the agent work.
 */
export async function checkedLlmConfig(
  models: ModelRegistry,
  config: LlmConfig,
  limit: number | null | undefined,
  policy: ConfigPolicy = {},
): Promise<LlmConfig> {
  const normalized = normalizeLegacyLlmConfig(config, limit);
  if (!policy.asGiven)
    await checked("llm_config", () => models.checkProvider(normalized.handle ?? "", "llm"));
  return normalized;
}

/**
 * A legacy `embedding_config` from a request, with its handle filled in: its provider must be one this
 * server knows, that embeds and, when configured, serves the model (422 naming the field otherwise),
 * else every passage insert would fail.
 */
export async function checkedEmbeddingConfig(
  models: ModelRegistry,
  config: EmbeddingConfig,
  policy: ConfigPolicy = {},
): Promise<EmbeddingConfig> {
  const normalized = normalizeLegacyEmbeddingConfig(config);
  if (policy.asGiven) return normalized;
  const served = (await checked("embedding_config", () =>
    models.checkProvider(normalized.handle ?? "", "embedding"),
  )) as EmbeddingConfig | undefined;
  // A model may be asked for fewer dimensions than it has (OpenAI's text-embedding-3), never more.
  if (served && normalized.embedding_dim > served.embedding_dim) {
    throw new ReverieError(
      "validation",
      `embedding_config: embedding_dim ${normalized.embedding_dim} is more than the ` +
        `${served.embedding_dim} dimensions of '${served.handle ?? normalized.handle}'`,
    );
  }
  return normalized;
}

/** Runs a registry check, its refusal becoming a 422 naming the field. */
async function checked<T>(field: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof ReverieError)) throw error;
    throw new ReverieError("validation", `${field}: ${error.message}`, { cause: error });
  }
}

const NO_MODEL_MESSAGE =
  "No model given and no model provider is configured: pass 'model' (a handle such as 'openai/gpt-4o-mini') " +
  "or configure a provider (OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY, OLLAMA_BASE_URL)";

/**
 * The chat model of a new agent: the `model` handle, else a legacy `llm_config` taken as given,
 * else the registry's default (the first configured provider's); none at all is a 400.
 */
export async function chooseLlmForCreate(
  models: ModelRegistry,
  input: CreateAgent,
  policy: ConfigPolicy = {},
): Promise<LlmChoice> {
  const limit = input.context_window_limit;
  let config: LlmConfig;
  if (input.model) {
    config = await models.resolveLlm(input.model, { contextWindowLimit: limit });
  } else if (input.llm_config) {
    config = await checkedLlmConfig(models, input.llm_config, limit, policy);
  } else {
    const handle = await models.defaultLlmHandle();
    if (handle === undefined) throw new ReverieError("invalid_argument", NO_MODEL_MESSAGE);
    config = await models.resolveLlm(handle, { contextWindowLimit: limit });
  }
  config = applyModelSettings(config, input.model_settings, input);
  return { model: config.handle ?? null, llm_config: config };
}

/**
 * The embedding model of a new agent (or folder): the handle, a legacy config, else none for an agent
 * (as in Letta, an agent created without one has `embedding_config: null` and searches by text until
 * one is attached) and the default model for a folder (`useDefault`), whose files are searched by meaning.
 */
export async function chooseEmbeddingForCreate(
  models: ModelRegistry,
  input: Pick<CreateAgent, "embedding" | "embedding_config" | "embedding_chunk_size">,
  options: { useDefault?: boolean } & ConfigPolicy = {},
): Promise<EmbeddingChoice> {
  let config: EmbeddingConfig | null = null;
  if (input.embedding) config = await models.resolveEmbedding(input.embedding);
  else if (input.embedding_config)
    config = await checkedEmbeddingConfig(models, input.embedding_config, options);
  else if (options.useDefault) {
    const handle = await models.defaultEmbeddingHandle();
    if (handle !== undefined) config = await models.resolveEmbedding(handle);
  }
  if (config && input.embedding_chunk_size)
    config = { ...config, embedding_chunk_size: input.embedding_chunk_size };
  return { embedding: config?.handle ?? null, embedding_config: config };
}

/**
 * The chat model after a PATCH, or undefined when the patch does not touch it. A new `model`
 * re-resolves; a new `context_window_limit` alone re-resolves the current handle to learn the
 * model's full window (keeping the stored config if its provider is no longer configured).
 */
export async function chooseLlmForUpdate(
  models: ModelRegistry,
  current: AgentRecord,
  patch: UpdateAgent,
): Promise<LlmChoice | undefined> {
  const touches =
    patch.model ||
    patch.llm_config ||
    patch.context_window_limit !== undefined ||
    patch.model_settings !== undefined ||
    patch.max_tokens != null ||
    patch.parallel_tool_calls != null;
  if (!touches) return undefined;
  const limit =
    patch.context_window_limit !== undefined ? patch.context_window_limit : current.context_window_limit;
  let config: LlmConfig;
  if (patch.model) {
    config = await models.resolveLlm(patch.model, { contextWindowLimit: limit });
  } else if (patch.llm_config) {
    config = await checkedLlmConfig(models, patch.llm_config, limit);
  } else {
    const handle = current.model ?? current.llm_config.handle;
    const resolved = handle ? await resolveIfServed(models, handle, limit) : undefined;
    // Keep the tuning already stored (temperature, reasoning...) and take only the window.
    config = resolved
      ? { ...current.llm_config, context_window: resolved.context_window }
      : capContextWindow(current.llm_config, limit);
  }
  const settings = patch.model_settings !== undefined ? patch.model_settings : current.model_settings;
  config = applyModelSettings(config, settings, patch);
  return { model: config.handle ?? current.model, llm_config: config };
}

/** The config of a handle, or undefined if its provider no longer serves it (unconfigured, model gone). */
async function resolveIfServed(
  models: ModelRegistry,
  handle: string,
  limit: number | null,
): Promise<LlmConfig | undefined> {
  try {
    return await models.resolveLlm(handle, { contextWindowLimit: limit });
  } catch (error) {
    if (error instanceof ReverieError) return undefined;
    throw error;
  }
}

/** The embedding model after a PATCH, or undefined when the patch does not touch it. */
export async function chooseEmbeddingForUpdate(
  models: ModelRegistry,
  current: AgentRecord,
  patch: UpdateAgent,
): Promise<EmbeddingChoice | undefined> {
  let config: EmbeddingConfig | null | undefined;
  if (patch.embedding) config = await models.resolveEmbedding(patch.embedding);
  else if (patch.embedding_config) config = await checkedEmbeddingConfig(models, patch.embedding_config);
  else if (patch.embedding_chunk_size) config = current.embedding_config;
  if (config === undefined) return undefined;
  if (config && patch.embedding_chunk_size)
    config = { ...config, embedding_chunk_size: patch.embedding_chunk_size };
  return { embedding: config?.handle ?? null, embedding_config: config };
}
