import { type ProviderType, ReverieError } from "../../domain/index.js";
import type { ProviderConfig } from "../../llm/provider-config.js";

/** How this server calls a provider type: a built-in slot of its own, or an OpenAI-compatible endpoint. */
interface ProviderKind {
  /** The built-in provider it configures (its name must then be this), or undefined for a compatible one. */
  builtIn?: "openai" | "anthropic" | "google_ai" | "ollama";
  /** Base URL when none is given; undefined where the user must give one (a local server). */
  defaultBaseUrl?: string;
}

/** The provider types organizations can bring; the rest of Letta's list cannot be called from here. */
const KINDS: Partial<Record<ProviderType, ProviderKind>> = {
  openai: { defaultBaseUrl: "https://api.openai.com/v1" },
  anthropic: { builtIn: "anthropic" },
  google_ai: { builtIn: "google_ai" },
  ollama: { builtIn: "ollama" },
  vllm: {},
  lmstudio_openai: {},
  sglang: {},
  openrouter: { defaultBaseUrl: "https://openrouter.ai/api/v1" },
  groq: { defaultBaseUrl: "https://api.groq.com/openai/v1" },
  together: { defaultBaseUrl: "https://api.together.xyz/v1" },
  deepseek: { defaultBaseUrl: "https://api.deepseek.com/v1" },
  xai: { defaultBaseUrl: "https://api.x.ai/v1" },
  fireworks: { defaultBaseUrl: "https://api.fireworks.ai/inference/v1" },
  cerebras: { defaultBaseUrl: "https://api.cerebras.ai/v1" },
  mistral: { defaultBaseUrl: "https://api.mistral.ai/v1" },
};

/** The provider types an organization may create. */
export const SUPPORTED_PROVIDER_TYPES = Object.keys(KINDS) as ProviderType[];

const BUILT_IN_NAMES = ["openai", "anthropic", "google_ai", "google", "gemini", "ollama", "local"];
const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/i;

/** What a stored provider configures, once its key is opened. */
export interface OpenedProvider {
  name: string;
  provider_type: string;
  api_key: string | null;
  base_url: string | null;
}

/**
 * Checks a new provider's name, type and base URL; a 422 says what to change. `openai` named `openai`
 * replaces the server's OpenAI for this organization; any other name makes an OpenAI-compatible
 * endpoint (handles `<name>/<model>`). Anthropic, Google and Ollama keep their built-in names.
 */
export function validateProvider(provider: {
  name: string;
  provider_type: ProviderType;
  base_url?: string | null;
}) {
  const kind = KINDS[provider.provider_type];
  if (kind === undefined) {
    throw new ReverieError(
      "validation",
      `Invalid body: provider_type: '${provider.provider_type}' is not supported by this server (supported: ${SUPPORTED_PROVIDER_TYPES.join(", ")})`,
    );
  }
  if (!NAME_PATTERN.test(provider.name)) {
    throw new ReverieError(
      "validation",
      "Invalid body: name: use letters, digits, '_', '.' and '-' (it becomes the prefix of the model handles)",
    );
  }
  if (kind.builtIn !== undefined && kind.builtIn !== "openai" && provider.name !== kind.builtIn) {
    throw new ReverieError(
      "validation",
      `Invalid body: name: a ${provider.provider_type} provider is named '${kind.builtIn}' on this server`,
    );
  }
  const builtInName = BUILT_IN_NAMES.includes(provider.name.toLowerCase());
  if (
    kind.builtIn === undefined &&
    builtInName &&
    !(provider.provider_type === "openai" && provider.name === "openai")
  ) {
    throw new ReverieError(
      "validation",
      `Invalid body: name: '${provider.name}' is the name of a built-in provider; choose another name`,
    );
  }
  if (provider.base_url != null) checkBaseUrl(provider.base_url);
  if (kind.builtIn === undefined && kind.defaultBaseUrl === undefined && !provider.base_url) {
    throw new ReverieError(
      "validation",
      `Invalid body: base_url: a ${provider.provider_type} provider needs the base URL of its server (e.g. http://localhost:8000/v1)`,
    );
  }
}

/** A base URL must be http(s) with no credentials in it. */
export function checkBaseUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ReverieError("validation", `Invalid body: base_url: '${value.slice(0, 200)}' is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ReverieError("validation", "Invalid body: base_url: use an http:// or https:// URL");
  }
  if (url.username || url.password) {
    throw new ReverieError("validation", "Invalid body: base_url: put the key in api_key, not in the URL");
  }
}

/** The base URL calls go to for a provider type (the given one, else the type's default). */
export function baseUrlOf(provider: { provider_type: string; base_url: string | null }): string | undefined {
  return provider.base_url ?? KINDS[provider.provider_type as ProviderType]?.defaultBaseUrl;
}

/**
 * The server's provider configuration with an organization's own providers laid over it: a built-in
 * one replaces the server's (key and base URL), the others are added as OpenAI-compatible endpoints.
 * The organization's endpoints are reached through `fetch` (the address guard).
 */
export function overlayProviders(
  base: ProviderConfig,
  providers: readonly OpenedProvider[],
  fetch?: typeof globalThis.fetch,
): ProviderConfig {
  const config: ProviderConfig = { ...base, openaiCompatible: [...(base.openaiCompatible ?? [])] };
  for (const provider of providers) {
    const kind = KINDS[provider.provider_type as ProviderType];
    if (kind === undefined) continue;
    const apiKey = provider.api_key ?? undefined;
    const baseUrl = provider.base_url ?? undefined;
    if (provider.provider_type === "openai" && provider.name === "openai") {
      config.openai = { apiKey, baseUrl, fetch };
    } else if (kind.builtIn === "anthropic") {
      config.anthropic = { apiKey, baseUrl, fetch };
    } else if (kind.builtIn === "google_ai") {
      config.google = { apiKey, baseUrl, fetch };
    } else if (kind.builtIn === "ollama") {
      config.ollama = { baseUrl, fetch };
    } else {
      const endpoints = (config.openaiCompatible ?? []).filter((endpoint) => endpoint.name !== provider.name);
      endpoints.push({ name: provider.name, baseUrl: baseUrlOf(provider) ?? "", apiKey, fetch });
      config.openaiCompatible = endpoints;
    }
  }
  return config;
}

/** How a key is shown: its last four characters when it is long enough that they give nothing away. */
export function maskProviderKey(key: string | null): string | null {
  if (key === null) return null;
  return key.length >= 20 ? `****${key.slice(-4)}` : "********";
}
