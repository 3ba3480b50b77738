import { createAnthropic } from "@ai-sdk/anthropic";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { EmbeddingModel } from "ai";
import type { EmbeddingConfig, LlmConfig } from "../../domain/index.js";
import type { ProviderConfig } from "../provider-config.js";
import { buildProviders, PROVIDER_ALIASES, type ProviderEntry } from "../providers.js";
import type { SdkLanguageModel } from "./call-middleware.js";
import { LlmError } from "./llm-error.js";

/** The API family a provider speaks, which decides how settings are passed to it. */
export type ProviderFamily = "openai" | "anthropic" | "google" | "openai-compatible";

/** A handle resolved to an AI SDK model. */
export interface ResolvedModel<M> {
  /** `provider/model`, with the provider's canonical name. */
  handle: string;
  family: ProviderFamily;
  /** The key of this provider's `providerOptions`. */
  optionsKey: string;
  modelId: string;
  model: M;
}

/** Builds AI SDK models from handles, with the keys and base URLs of the provider configuration. */
export interface ModelFactory {
  languageModel(ref: string | LlmConfig): ResolvedModel<SdkLanguageModel>;
  embeddingModel(ref: string | EmbeddingConfig): ResolvedModel<EmbeddingModel>;
}

interface SdkProvider {
  family: ProviderFamily;
  optionsKey: string;
  languageModel(modelId: string): SdkLanguageModel;
  embeddingModel(modelId: string): EmbeddingModel | undefined;
}

/** The handle an LlmConfig or EmbeddingConfig stands for. */
export function handleOf(ref: string | LlmConfig | EmbeddingConfig): string {
  if (typeof ref === "string") return ref;
  if (ref.handle) return ref.handle;
  if ("model" in ref) return `${ref.provider_name ?? ref.model_endpoint_type}/${ref.model}`;
  return `${ref.embedding_endpoint_type}/${ref.embedding_model}`;
}

/**
 * Creates the factory. OpenAI is spoken through Chat Completions (so any OpenAI-style base URL works);
 * Ollama and the extra endpoints through the OpenAI-compatible provider. SDK providers are built once
 * per provider name and reused.
 */
export function createModelFactory(config: ProviderConfig): ModelFactory {
  const entries = buildProviders(config);
  const built = new Map<string, SdkProvider>();

  function resolve(ref: string | LlmConfig | EmbeddingConfig): {
    provider: SdkProvider;
    entry: ProviderEntry;
    modelId: string;
  } {
    const handle = handleOf(ref);
    const slash = handle.indexOf("/");
    if (slash <= 0 || slash === handle.length - 1) {
      throw configurationError(handle, `invalid model handle '${handle}': expected 'provider/model'`);
    }
    const prefix = handle.slice(0, slash);
    const name = PROVIDER_ALIASES[prefix] ?? prefix;
    const entry = entries.find((candidate) => candidate.name === name);
    if (entry === undefined) {
      const known = entries.map((candidate) => candidate.name).join(", ");
      throw configurationError(handle, `unknown provider '${prefix}' (known providers: ${known})`);
    }
    if (!entry.configured) {
      throw configurationError(handle, `provider '${entry.name}' is not configured: ${entry.howToConfigure}`);
    }
    let provider = built.get(entry.name);
    if (provider === undefined) {
      provider = buildSdkProvider(entry);
      built.set(entry.name, provider);
    }
    return { provider, entry, modelId: handle.slice(slash + 1) };
  }

  return {
    languageModel(ref) {
      const { provider, entry, modelId } = resolve(ref);
      return {
        handle: `${entry.name}/${modelId}`,
        family: provider.family,
        optionsKey: provider.optionsKey,
        modelId,
        model: provider.languageModel(modelId),
      };
    },
    embeddingModel(ref) {
      const { provider, entry, modelId } = resolve(ref);
      const handle = `${entry.name}/${modelId}`;
      const model = provider.embeddingModel(modelId);
      if (model === undefined)
        throw configurationError(handle, `provider '${entry.name}' serves no embeddings`);
      return { handle, family: provider.family, optionsKey: provider.optionsKey, modelId, model };
    },
  };
}

function buildSdkProvider(entry: ProviderEntry): SdkProvider {
  const apiKey = entry.apiKey;
  const baseURL = entry.endpoint;
  const fetch = entry.fetch;
  switch (entry.name) {
    case "openai": {
      const openai = createOpenAI({ apiKey, baseURL, fetch });
      return {
        family: "openai",
        optionsKey: "openai",
        languageModel: (modelId) => openai.chat(modelId),
        embeddingModel: (modelId) => openai.embedding(modelId),
      };
    }
    case "anthropic": {
      const anthropic = createAnthropic({ apiKey, baseURL, fetch });
      return {
        family: "anthropic",
        optionsKey: "anthropic",
        languageModel: (modelId) => anthropic.messages(modelId),
        embeddingModel: () => undefined,
      };
    }
    case "google_ai": {
      const google = createGoogleGenerativeAI({ apiKey, baseURL, fetch });
      return {
        family: "google",
        optionsKey: "google",
        languageModel: (modelId) => google.chat(modelId),
        embeddingModel: (modelId) => google.embedding(modelId),
      };
    }
    default: {
      const compatible = createOpenAICompatible({
        name: entry.name,
        baseURL,
        apiKey,
        fetch,
        includeUsage: true,
      });
      return {
        family: "openai-compatible",
        optionsKey: entry.name,
        languageModel: (modelId) => compatible.chatModel(modelId),
        embeddingModel: (modelId) => compatible.embeddingModel(modelId),
      };
    }
  }
}

function configurationError(handle: string, detail: string): LlmError {
  return new LlmError({ kind: "configuration", model: handle, detail });
}
