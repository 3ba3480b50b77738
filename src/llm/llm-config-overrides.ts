import type { EmbeddingConfig, LlmConfig, Metadata } from "../domain/index.js";

/** Caps the context window of a config at `limit` (a limit above the model's window changes nothing). */
export function capContextWindow(config: LlmConfig, limit: number | null | undefined): LlmConfig {
  if (limit === null || limit === undefined || limit >= config.context_window) return config;
  return { ...config, context_window: limit };
}

/** A legacy `llm_config` given directly: kept as sent, with its handle filled in and the window capped. */
export function normalizeLegacyLlmConfig(config: LlmConfig, limit: number | null | undefined): LlmConfig {
  const handle = config.handle ?? `${config.provider_name ?? config.model_endpoint_type}/${config.model}`;
  return capContextWindow({ ...config, handle }, limit);
}

/** A legacy `embedding_config` given directly, with its handle filled in. */
export function normalizeLegacyEmbeddingConfig(config: EmbeddingConfig): EmbeddingConfig {
  return {
    ...config,
    handle: config.handle ?? `${config.embedding_endpoint_type}/${config.embedding_model}`,
  };
}

/**
 * Applies Letta's `model_settings` (a union on `provider_type`) and the loose top-level knobs of a
 * create (`max_tokens`, `parallel_tool_calls`) to an LlmConfig; unknown fields are ignored.
 */
export function applyModelSettings(
  config: LlmConfig,
  settings: Metadata | null | undefined,
  knobs: { max_tokens?: number | null | undefined; parallel_tool_calls?: boolean | null | undefined } = {},
): LlmConfig {
  const next: LlmConfig = { ...config };
  if (settings) {
    if (typeof settings.temperature === "number") next.temperature = settings.temperature;
    if (typeof settings.max_output_tokens === "number") next.max_tokens = settings.max_output_tokens;
    if (typeof settings.parallel_tool_calls === "boolean")
      next.parallel_tool_calls = settings.parallel_tool_calls;
    const reasoning = asRecord(settings.reasoning);
    if (typeof reasoning?.reasoning_effort === "string") next.reasoning_effort = reasoning.reasoning_effort;
    const thinking = asRecord(settings.thinking);
    if (thinking) {
      next.enable_reasoner = thinking.type === "enabled";
      if (typeof thinking.budget_tokens === "number") next.max_reasoning_tokens = thinking.budget_tokens;
    }
    const thinkingConfig = asRecord(settings.thinking_config);
    if (thinkingConfig) {
      if (typeof thinkingConfig.include_thoughts === "boolean")
        next.enable_reasoner = thinkingConfig.include_thoughts;
      if (typeof thinkingConfig.thinking_budget === "number")
        next.max_reasoning_tokens = thinkingConfig.thinking_budget;
    }
    if (typeof settings.verbosity === "string") next.verbosity = settings.verbosity;
    if (typeof settings.effort === "string") next.reasoning_effort = settings.effort;
  }
  if (knobs.max_tokens !== undefined && knobs.max_tokens !== null) next.max_tokens = knobs.max_tokens;
  if (typeof knobs.parallel_tool_calls === "boolean") next.parallel_tool_calls = knobs.parallel_tool_calls;
  return next;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Letta's `model_settings` view of an LlmConfig (the inverse of {@link applyModelSettings}): the
 * provider's type with its output limit, temperature, parallel tool calls and reasoning, and the
 * agent's response format, with Letta's defaults where the config leaves them unset.
 */
export function modelSettingsOf(config: LlmConfig, responseFormat: Metadata | null): Metadata {
  const common = {
    max_output_tokens: config.max_tokens ?? 4096,
    parallel_tool_calls: config.parallel_tool_calls ?? false,
  };
  switch (config.model_endpoint_type) {
    case "openai":
      return {
        provider_type: "openai",
        ...common,
        temperature: config.temperature ?? 0.7,
        reasoning: { reasoning_effort: config.reasoning_effort ?? "minimal" },
        response_format: responseFormat,
      };
    case "anthropic":
      return {
        provider_type: "anthropic",
        ...common,
        temperature: config.temperature ?? 1.0,
        thinking: {
          type: config.enable_reasoner ? "enabled" : "disabled",
          budget_tokens: config.max_reasoning_tokens || 1024,
        },
        response_format: responseFormat,
        verbosity: config.verbosity ?? null,
      };
    case "google_ai":
      return {
        provider_type: "google_ai",
        ...common,
        max_output_tokens: config.max_tokens ?? 65536,
        temperature: config.temperature ?? 0.7,
        thinking_config: {
          include_thoughts: (config.max_reasoning_tokens ?? 0) > 0,
          thinking_budget: config.max_reasoning_tokens || 1024,
        },
        response_schema: responseFormat,
      };
    default:
      return { provider_type: config.model_endpoint_type, ...common };
  }
}
