import { DEFAULT_LOCAL_MODEL, LOCAL_MODEL_CATALOG } from "./local/local-catalog.js";
import { listInstalledModels } from "./local/models-dir.js";
import {
  ANTHROPIC_LLMS,
  type CatalogEmbedding,
  type CatalogLlm,
  DEFAULT_CONTEXT_WINDOW,
  GOOGLE_EMBEDDINGS,
  GOOGLE_LLMS,
  OPENAI_EMBEDDINGS,
  OPENAI_LLMS,
} from "./model-catalog.js";
import type { ProviderConfig } from "./provider-config.js";

/** One provider as the registry sees it: how to reach it and what it serves. */
export interface ProviderEntry {
  /** The handle prefix (`openai`, `anthropic`, `google_ai`, `ollama`, or a compatible endpoint's name). */
  name: string;
  /** Letta's `provider_type`. */
  type: string;
  /** Letta's `model_endpoint_type` / `embedding_endpoint_type`. */
  endpointType: string;
  /** Base URL the runtime calls (OpenAI-style APIs end in `/v1`). */
  endpoint: string;
  apiKey: string | undefined;
  /** How requests reach it; undefined: the global fetch. */
  fetch?: typeof fetch | undefined;
  configured: boolean;
  /** What to set to configure it, for the error message. */
  howToConfigure: string;
  /** Models known without asking the provider. */
  catalogLlms: readonly CatalogLlm[];
  catalogEmbeddings: readonly CatalogEmbedding[];
  /** Lists the embedding models when they change at run time (local models on disk); wins over the catalog. */
  listEmbeddings?: (() => Promise<CatalogEmbedding[]>) | undefined;
  /** Whether the model list comes from `GET {endpoint}/models` (falling back to the catalog). */
  discover: boolean;
  /** Whether a model absent from every list still resolves (first-party APIs and proxies of them). */
  acceptsUnlisted: boolean;
  defaultContextWindow: number;
  /** How the server is asked for a model's context length, when it can be (local servers). */
  probeKind?: "ollama" | "compatible" | undefined;
  /** Preferred default chat / embedding model, when the provider serves it. */
  preferredLlm: string | undefined;
  preferredEmbedding: string | undefined;
}

/** Handle prefixes accepted as other spellings of a built-in provider. */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  google: "google_ai",
  gemini: "google_ai",
};

/** Ollama serves its OpenAI-style API under `/v1`; accept the server URL with or without it. */
export function ollamaApiUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

/** Every provider the configuration names, built-in ones first (also the unconfigured ones, for errors). */
export function buildProviders(config: ProviderConfig): ProviderEntry[] {
  const localWindow = config.defaultContextWindow ?? DEFAULT_CONTEXT_WINDOW.local;
  const openaiBaseUrl = config.openai?.baseUrl?.replace(/\/+$/, "");
  const providers: ProviderEntry[] = [
    {
      name: "openai",
      type: "openai",
      endpointType: "openai",
      endpoint: openaiBaseUrl ?? "https://api.openai.com/v1",
      apiKey: config.openai?.apiKey,
      fetch: config.openai?.fetch,
      configured: Boolean(config.openai?.apiKey),
      howToConfigure: "set OPENAI_API_KEY",
      catalogLlms: OPENAI_LLMS,
      catalogEmbeddings: OPENAI_EMBEDDINGS,
      // Only a custom base URL (proxy, vLLM...) is asked what it serves; api.openai.com lists
      // dozens of non-chat models, and the catalog describes it better.
      discover: openaiBaseUrl !== undefined,
      acceptsUnlisted: true,
      defaultContextWindow: DEFAULT_CONTEXT_WINDOW.openai,
      preferredLlm: "gpt-4o-mini",
      preferredEmbedding: "text-embedding-3-small",
    },
    {
      name: "anthropic",
      type: "anthropic",
      endpointType: "anthropic",
      endpoint: config.anthropic?.baseUrl?.replace(/\/+$/, "") ?? "https://api.anthropic.com/v1",
      apiKey: config.anthropic?.apiKey,
      fetch: config.anthropic?.fetch,
      configured: Boolean(config.anthropic?.apiKey),
      howToConfigure: "set ANTHROPIC_API_KEY",
      catalogLlms: ANTHROPIC_LLMS,
      catalogEmbeddings: [],
      discover: false,
      acceptsUnlisted: true,
      defaultContextWindow: DEFAULT_CONTEXT_WINDOW.anthropic,
      preferredLlm: "claude-sonnet-4-5-20250929",
      preferredEmbedding: undefined,
    },
    {
      name: "google_ai",
      type: "google_ai",
      endpointType: "google_ai",
      endpoint:
        config.google?.baseUrl?.replace(/\/+$/, "") ?? "https://generativelanguage.googleapis.com/v1beta",
      apiKey: config.google?.apiKey,
      fetch: config.google?.fetch,
      configured: Boolean(config.google?.apiKey),
      howToConfigure: "set GOOGLE_GENERATIVE_AI_API_KEY",
      catalogLlms: GOOGLE_LLMS,
      catalogEmbeddings: GOOGLE_EMBEDDINGS,
      discover: false,
      acceptsUnlisted: true,
      defaultContextWindow: DEFAULT_CONTEXT_WINDOW.google_ai,
      preferredLlm: "gemini-2.5-flash",
      preferredEmbedding: "gemini-embedding-001",
    },
    {
      name: "ollama",
      type: "ollama",
      endpointType: "ollama",
      endpoint: ollamaApiUrl(config.ollama?.baseUrl ?? "http://localhost:11434"),
      apiKey: undefined,
      fetch: config.ollama?.fetch,
      configured: Boolean(config.ollama?.baseUrl),
      howToConfigure: "set OLLAMA_BASE_URL",
      catalogLlms: [],
      catalogEmbeddings: [],
      discover: true,
      acceptsUnlisted: false,
      defaultContextWindow: localWindow,
      probeKind: "ollama",
      preferredLlm: undefined,
      preferredEmbedding: undefined,
    },
  ];
  for (const endpoint of config.openaiCompatible ?? []) {
    providers.push({
      name: endpoint.name,
      type: "openai",
      endpointType: "openai",
      endpoint: endpoint.baseUrl.replace(/\/+$/, ""),
      apiKey: endpoint.apiKey,
      fetch: endpoint.fetch,
      configured: true,
      howToConfigure: "add it to REVERIE_OPENAI_COMPATIBLE",
      catalogLlms: [],
      catalogEmbeddings: [],
      discover: true,
      acceptsUnlisted: false,
      defaultContextWindow: localWindow,
      probeKind: "compatible",
      preferredLlm: undefined,
      preferredEmbedding: undefined,
    });
  }
  const local = config.local;
  if (local !== undefined) {
    // Last, so that a configured remote provider's embedding model stays the default.
    providers.push({
      name: "local",
      type: "hugging-face",
      endpointType: "hugging-face",
      endpoint: "local",
      apiKey: undefined,
      configured: true,
      howToConfigure: "install @huggingface/transformers and leave REVERIE_LOCAL_EMBEDDINGS unset",
      catalogLlms: [],
      catalogEmbeddings: [],
      listEmbeddings: async () => {
        const installed = (await listInstalledModels(local.modelsDir)).map((model) => ({
          name: model.name,
          dim: model.dim,
          chunkSize: model.spec?.chunkSize ?? Math.min(300, Math.floor(model.maxTokens * 0.8)),
        }));
        // Catalog models download on first use, so they are offered only when downloads are on.
        const fetchable = local.hubUrl === undefined ? [] : LOCAL_MODEL_CATALOG;
        const missing = fetchable
          .filter((spec) => !installed.some((model) => model.name === spec.name))
          .map((spec) => ({ name: spec.name, dim: spec.dim, chunkSize: spec.chunkSize }));
        return [...installed, ...missing];
      },
      discover: false,
      acceptsUnlisted: false,
      defaultContextWindow: localWindow,
      preferredLlm: undefined,
      preferredEmbedding: DEFAULT_LOCAL_MODEL,
    });
  }
  return providers;
}
