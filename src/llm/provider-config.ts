import { ReverieError, reverieHome } from "../domain/index.js";
import { type LocalModelSettings, localModelSettingsFromEnv } from "./local/models-dir.js";

/** An extra OpenAI-compatible endpoint (vLLM, LM Studio, a proxy...); its models are discovered. */
export interface OpenAICompatibleEndpoint {
  /** The handle prefix: models are `<name>/<model>`. */
  name: string;
  /** Base URL of the OpenAI-style API, usually ending in `/v1`. */
  baseUrl: string;
  apiKey?: string | undefined;
  /** How requests reach it (default: the global fetch); an organization's endpoints get a guarded one. */
  fetch?: typeof fetch | undefined;
}

/** A built-in provider's key, base URL and transport (`fetch`, default the global one). */
export interface ProviderSlot {
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
}

/**
 * Which model providers are available and how to reach them. Built once at the edge (usually by
 * {@link providerConfigFromEnv}); the registry never reads the environment itself.
 */
export interface ProviderConfig {
  openai?: ProviderSlot | undefined;
  anthropic?: ProviderSlot | undefined;
  google?: ProviderSlot | undefined;
  /** Ollama's server, e.g. `http://localhost:11434` (its OpenAI-style API under `/v1` is used). */
  ollama?: Omit<ProviderSlot, "apiKey"> | undefined;
  openaiCompatible?: OpenAICompatibleEndpoint[] | undefined;
  /** Local embedding models run in process (`local/<model>`); absent when the package is not installed. */
  local?: LocalModelSettings | undefined;
  /**
   * Context window of a local server's model when the server does not say
   * (`REVERIE_DEFAULT_CONTEXT_WINDOW`; default 8,192, see {@link DEFAULT_CONTEXT_WINDOW}).
   */
  defaultContextWindow?: number | undefined;
  /** Handle used when an agent is created without a model (else the first configured provider's). */
  defaultModel?: string | undefined;
  /** Handle used when an agent is created without an embedding (else the first configured provider's). */
  defaultEmbedding?: string | undefined;
}

/** Names taken by the built-in providers; an OpenAI-compatible endpoint may not use them. */
export const BUILT_IN_PROVIDER_NAMES = [
  "openai",
  "anthropic",
  "google_ai",
  "google",
  "ollama",
  "local",
] as const;

const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/i;

/**
 * Reads the provider configuration from environment variables:
 * - `OPENAI_API_KEY`, `OPENAI_BASE_URL`; `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`;
 *   `GOOGLE_GENERATIVE_AI_API_KEY` (also `GOOGLE_API_KEY`, `GEMINI_API_KEY`); `OLLAMA_BASE_URL`.
 * - `REVERIE_OPENAI_COMPATIBLE`: extra OpenAI-compatible endpoints, either a JSON array
 *   `[{"name":"vllm","baseUrl":"http://localhost:8000/v1","apiKey":"..."}]` (`base_url`/`api_key`
 *   also accepted) or comma-separated `name=url` pairs (`vllm=http://localhost:8000/v1,lm=http://...`).
 * - `REVERIE_DEFAULT_MODEL`, `REVERIE_DEFAULT_EMBEDDING_MODEL`: handles used when a create names none.
 * - `REVERIE_DEFAULT_CONTEXT_WINDOW`: the window of a local server's model that does not report one.
 * - `REVERIE_LOCAL_EMBEDDINGS`, `REVERIE_MODELS_DIR`, `REVERIE_MODELS_HUB`: local embedding models
 *   (see {@link localModelSettingsFromEnv}); models live under `$REVERIE_HOME/models` by default.
 * Empty values count as unset. Throws a ReverieError (`invalid_argument`) on a malformed value.
 */
export function providerConfigFromEnv(env: Record<string, string | undefined>): ProviderConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  return {
    openai: { apiKey: read("OPENAI_API_KEY"), baseUrl: read("OPENAI_BASE_URL") },
    anthropic: { apiKey: read("ANTHROPIC_API_KEY"), baseUrl: read("ANTHROPIC_BASE_URL") },
    google: {
      apiKey: read("GOOGLE_GENERATIVE_AI_API_KEY") ?? read("GOOGLE_API_KEY") ?? read("GEMINI_API_KEY"),
    },
    ollama: { baseUrl: read("OLLAMA_BASE_URL") },
    openaiCompatible: parseCompatibleEndpoints(read("REVERIE_OPENAI_COMPATIBLE")),
    local: localModelSettingsFromEnv(env, reverieHome(env)),
    defaultContextWindow: parseContextWindow(read("REVERIE_DEFAULT_CONTEXT_WINDOW")),
    defaultModel: read("REVERIE_DEFAULT_MODEL"),
    defaultEmbedding: read("REVERIE_DEFAULT_EMBEDDING_MODEL"),
  };
}

/** Parses `REVERIE_OPENAI_COMPATIBLE` (JSON array or `name=url` pairs); see {@link providerConfigFromEnv}. */
export function parseCompatibleEndpoints(value: string | undefined): OpenAICompatibleEndpoint[] {
  if (value === undefined || value.trim() === "") return [];
  const endpoints = value.trim().startsWith("[") ? parseJsonList(value) : parsePairs(value);
  const seen = new Set<string>();
  for (const endpoint of endpoints) {
    if (!NAME_PATTERN.test(endpoint.name)) {
      throw invalid(`endpoint name '${endpoint.name}' must be letters, digits, '_', '-' or '.'`);
    }
    if ((BUILT_IN_PROVIDER_NAMES as readonly string[]).includes(endpoint.name)) {
      throw invalid(`endpoint name '${endpoint.name}' is taken by a built-in provider`);
    }
    if (seen.has(endpoint.name)) throw invalid(`endpoint name '${endpoint.name}' is given twice`);
    seen.add(endpoint.name);
    if (!/^https?:\/\//i.test(endpoint.baseUrl)) {
      throw invalid(`endpoint '${endpoint.name}' needs an http(s) base URL, got '${endpoint.baseUrl}'`);
    }
  }
  return endpoints;
}

function parseJsonList(value: string): OpenAICompatibleEndpoint[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw invalid(`not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw invalid("expected a JSON array of {name, baseUrl, apiKey?}");
  return parsed.map((entry, index) => {
    const item = (entry ?? {}) as Record<string, unknown>;
    const name = item.name;
    const baseUrl = item.baseUrl ?? item.base_url;
    const apiKey = item.apiKey ?? item.api_key;
    if (typeof name !== "string" || typeof baseUrl !== "string") {
      throw invalid(`entry ${index} needs string 'name' and 'baseUrl'`);
    }
    if (apiKey !== undefined && apiKey !== null && typeof apiKey !== "string") {
      throw invalid(`entry ${index}: 'apiKey' must be a string`);
    }
    return { name, baseUrl, apiKey: typeof apiKey === "string" && apiKey !== "" ? apiKey : undefined };
  });
}

function parsePairs(value: string): OpenAICompatibleEndpoint[] {
  return value
    .split(",")
    .map((pair) => pair.trim())
    .filter((pair) => pair !== "")
    .map((pair) => {
      const separator = pair.indexOf("=");
      if (separator <= 0) throw invalid(`expected 'name=url', got '${pair}'`);
      return { name: pair.slice(0, separator).trim(), baseUrl: pair.slice(separator + 1).trim() };
    });
}

function parseContextWindow(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const tokens = Number(value);
  if (!/^\d+$/.test(value) || tokens < 512 || tokens > 100_000_000) {
    throw new ReverieError(
      "invalid_argument",
      `REVERIE_DEFAULT_CONTEXT_WINDOW: expected a number of tokens from 512 up, got '${value}'`,
    );
  }
  return tokens;
}

function invalid(message: string): ReverieError {
  return new ReverieError("invalid_argument", `REVERIE_OPENAI_COMPATIBLE: ${message}`);
}
