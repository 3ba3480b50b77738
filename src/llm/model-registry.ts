import {
  type EmbeddingConfig,
  type EmbeddingModel,
  type LlmConfig,
  type Model,
  ReverieError,
} from "../domain/index.js";
import { createEndpointProbes, type EndpointProbeOptions, type EndpointProbes } from "./endpoint-probes.js";
import {
  type CatalogEmbedding,
  type CatalogLlm,
  DEFAULT_EMBEDDING_BATCH_SIZE,
  DEFAULT_EMBEDDING_CHUNK_SIZE,
  DEFAULT_EMBEDDING_DIM,
  LOCAL_EMBEDDINGS,
  looksLikeEmbeddingModel,
  looksLikeNonChatModel,
  lookupByPrefix,
} from "./model-catalog.js";
import {
  createModelDiscovery,
  type DiscoveredModel,
  type ModelDiscovery,
  type ModelDiscoveryOptions,
} from "./model-discovery.js";
import type { ProviderConfig } from "./provider-config.js";
import { buildProviders, PROVIDER_ALIASES, type ProviderEntry } from "./providers.js";

/** Filters of `GET /v1/models/`. */
export interface ModelFilter {
  provider_name?: string | undefined;
  provider_type?: string | undefined;
  provider_category?: string[] | undefined;
}

/** Knows which models the configured providers serve and turns handles into Letta configs. */
export interface ModelRegistry {
  /** Chat models of every configured provider. */
  listModels(filter?: ModelFilter): Promise<Model[]>;
  /** Embedding models of every configured provider. */
  listEmbeddingModels(): Promise<EmbeddingModel[]>;
  /**
   * The LlmConfig of a handle (`openai/gpt-4o-mini`), its context window capped by
   * `contextWindowLimit`. Throws `invalid_argument` for a malformed handle or an unknown or
   * unconfigured provider, `not_found` for a model a discovered provider does not serve.
   */
  resolveLlm(
    handle: string,
    options?: { contextWindowLimit?: number | null | undefined },
  ): Promise<LlmConfig>;
  /** The EmbeddingConfig of an embedding handle (`openai/text-embedding-3-small`); errors as resolveLlm. */
  resolveEmbedding(handle: string): Promise<EmbeddingConfig>;
  /** The handle used when a create names no model, if any provider is configured. */
  defaultLlmHandle(): Promise<string | undefined>;
  /** The handle used when a create names no embedding, if any configured provider embeds. */
  defaultEmbeddingHandle(): Promise<string | undefined>;
  /** Names of the configured providers, in priority order. */
  configuredProviders(): string[];
  /**
   * Checks the provider of a handle taken from a config written as given (a legacy `llm_config` or
   * `embedding_config`): throws as resolveLlm does for a malformed handle, an unknown provider or a model
   * a configured provider does not serve, and for an embedding handle whose provider embeds nothing. A
   * known provider that is not configured yet passes (configuring it makes the config work). Gives the
   * served model's own config when the provider is configured.
   */
  checkProvider(handle: string, kind: "llm" | "embedding"): Promise<LlmConfig | EmbeddingConfig | undefined>;
}

/** Options of {@link createModelRegistry}. */
export interface ModelRegistryOptions {
  discovery?: ModelDiscovery | ModelDiscoveryOptions;
  /** Asks local servers for embedding sizes and context lengths. */
  probes?: EndpointProbes | EndpointProbeOptions;
}

/** Builds the registry over a provider configuration; discovery of local models is lazy and cached. */
export function createModelRegistry(
  config: ProviderConfig,
  options: ModelRegistryOptions = {},
): ModelRegistry {
  const providers = buildProviders(config);
  const configured = providers.filter((provider) => provider.configured);
  const discovery =
    options.discovery !== undefined && "list" in options.discovery
      ? options.discovery
      : createModelDiscovery(options.discovery ?? {});
  const probes =
    options.probes !== undefined && "embeddingDim" in options.probes
      ? options.probes
      : createEndpointProbes(options.probes ?? {});

  /** Discovered models, or undefined when the provider is not discovered or did not answer. */
  const discovered = async (provider: ProviderEntry): Promise<DiscoveredModel[] | undefined> =>
    provider.discover
      ? discovery.list({ baseUrl: provider.endpoint, apiKey: provider.apiKey, fetch: provider.fetch })
      : undefined;

  /** The window a server runs a model with: its listing's, else its own answer, else the catalog's. */
  async function serverContextWindow(provider: ProviderEntry, entry: DiscoveredModel): Promise<number> {
    if (entry.contextWindow !== undefined) return entry.contextWindow;
    const kind = provider.probeKind;
    const probed =
      kind === undefined
        ? undefined
        : await probes.contextWindow(
            { baseUrl: provider.endpoint, apiKey: provider.apiKey, fetch: provider.fetch, kind },
            entry.id,
          );
    return probed ?? contextWindowOf(provider, entry.id);
  }

  /** Chat models of a provider; with `only`, just that one is asked about (a create, not a listing). */
  async function llmsOf(provider: ProviderEntry, only?: string): Promise<CatalogLlm[]> {
    const entries = await discovered(provider);
    if (entries === undefined) return [...provider.catalogLlms];
    const chat = entries.filter(
      (entry) => !looksLikeEmbeddingModel(entry.id) && !looksLikeNonChatModel(entry.id),
    );
    return Promise.all(
      chat.map(async (entry) => ({
        name: entry.id,
        contextWindow:
          only === undefined || only === entry.id
            ? await serverContextWindow(provider, entry)
            : contextWindowOf(provider, entry.id),
      })),
    );
  }

  /**
   * An OpenAI-style endpoint's embedding size: a first-party provider's own catalog model has its known
   * size (a proxy of OpenAI serves `text-embedding-3-small` at 1536); anything else is probed with one
   * embedding, since a local server may serve any model under any name; a known name (in any case) is
   * the fallback when the probe gets no answer.
   */
  async function probedDim(provider: ProviderEntry, model: string): Promise<number | undefined> {
    const catalog = lookupByPrefix(provider.catalogEmbeddings, model)?.dim;
    if (catalog !== undefined) return catalog;
    const probed = await probes.embeddingDim(
      { baseUrl: provider.endpoint, apiKey: provider.apiKey, fetch: provider.fetch },
      model,
    );
    return probed ?? knownEmbeddingDim(provider, model);
  }

  async function embeddingsOf(provider: ProviderEntry): Promise<CatalogEmbedding[]> {
    if (provider.listEmbeddings) return provider.listEmbeddings();
    const entries = await discovered(provider);
    if (entries === undefined) return [...provider.catalogEmbeddings];
    return Promise.all(
      entries
        .filter((entry) => looksLikeEmbeddingModel(entry.id))
        .map(async (entry) => ({
          name: entry.id,
          dim: (await probedDim(provider, entry.id)) ?? DEFAULT_EMBEDDING_DIM,
        })),
    );
  }

  function providerOf(handle: string): { provider: ProviderEntry; model: string } {
    const found = knownProviderOf(handle);
    if (!found.provider.configured) {
      throw new ReverieError(
        "invalid_argument",
        `Provider '${found.provider.name}' is not configured: ${found.provider.howToConfigure}`,
      );
    }
    return found;
  }

  function knownProviderOf(handle: string): { provider: ProviderEntry; model: string } {
    const slash = handle.indexOf("/");
    if (slash <= 0 || slash === handle.length - 1) {
      throw new ReverieError(
        "invalid_argument",
        `Invalid model handle '${handle}': expected 'provider/model', e.g. 'openai/gpt-4o-mini'`,
      );
    }
    const prefix = handle.slice(0, slash);
    const name = PROVIDER_ALIASES[prefix] ?? prefix;
    const provider = providers.find((entry) => entry.name === name);
    if (provider === undefined) {
      const known = providers.map((entry) => entry.name).join(", ");
      throw new ReverieError(
        "invalid_argument",
        `Unknown provider '${prefix}' in handle '${handle}' (known providers: ${known})`,
      );
    }
    return { provider, model: handle.slice(slash + 1) };
  }

  async function requireListed(
    provider: ProviderEntry,
    model: string,
    listed: { name: string }[],
    kind: string,
  ) {
    if (provider.acceptsUnlisted || listed.some((entry) => entry.name === model)) return;
    // A discovered provider that did not answer gets the benefit of the doubt (it may be starting).
    if (provider.discover && (await discovered(provider)) === undefined) return;
    const available = listed.map((entry) => `${provider.name}/${entry.name}`).join(", ") || "none";
    throw new ReverieError(
      "not_found",
      `${kind} '${provider.name}/${model}' not found on provider '${provider.name}' (available: ${available})`,
    );
  }

  return {
    async listModels(filter = {}) {
      const lists = await Promise.all(
        configured.map(async (provider) => (await llmsOf(provider)).map((llm) => toModel(provider, llm))),
      );
      return lists
        .flat()
        .filter(
          (model) =>
            (filter.provider_name === undefined || model.provider_name === filter.provider_name) &&
            (filter.provider_type === undefined || model.provider_type === filter.provider_type) &&
            (filter.provider_category === undefined ||
              filter.provider_category.length === 0 ||
              filter.provider_category.includes(model.provider_category)),
        );
    },

    async listEmbeddingModels() {
      const lists = await Promise.all(
        configured.map(async (provider) =>
          (await embeddingsOf(provider)).map((embedding) => toEmbeddingModel(provider, embedding)),
        ),
      );
      // The default model comes first, so a client that offers "the server's default" can take the head.
      const all = lists.flat();
      const preferred = await this.defaultEmbeddingHandle();
      const index = all.findIndex((model) => model.handle === preferred);
      if (index > 0) all.unshift(...all.splice(index, 1));
      return all;
    },

    async resolveLlm(handle, options = {}) {
      const { provider, model } = providerOf(handle);
      const listed = await llmsOf(provider, model);
      await requireListed(provider, model, listed, "Model");
      const maxWindow =
        listed.find((llm) => llm.name === model)?.contextWindow ?? contextWindowOf(provider, model);
      const limit = options.contextWindowLimit ?? undefined;
      return {
        model,
        model_endpoint_type: provider.endpointType,
        model_endpoint: provider.endpoint,
        provider_name: provider.name,
        provider_category: "base",
        handle: `${provider.name}/${model}`,
        display_name: model,
        context_window: limit === undefined ? maxWindow : Math.min(limit, maxWindow),
        put_inner_thoughts_in_kwargs: false,
        temperature: 0.7,
        max_tokens: null,
        enable_reasoner: false,
        reasoning_effort: null,
        parallel_tool_calls: false,
      };
    },

    async resolveEmbedding(handle) {
      const { provider, model: asked } = providerOf(handle);
      requireEmbeds(provider);
      if (provider.discover && (await discovered(provider)) !== undefined) {
        // An OpenAI-style server: any model it lists may embed, and one probe tells the size.
        const served = (await discovered(provider)) ?? [];
        const entry = served.find((candidate) => candidate.id === asked);
        const known = lookupByPrefix(provider.catalogEmbeddings, asked);
        if (entry === undefined && provider.acceptsUnlisted && known !== undefined) {
          // A proxy of a first-party API may serve its catalog models without listing them.
          return toEmbeddingConfig(provider, asked, known.dim, undefined);
        }
        if (entry === undefined) {
          // The endpoint said what it serves: a model it does not list, and no catalog knows, is not
          // probed (a lenient server would answer any name).
          const available = served
            .filter((candidate) => looksLikeEmbeddingModel(candidate.id))
            .map((candidate) => `${provider.name}/${candidate.id}`);
          throw new ReverieError(
            "not_found",
            `Embedding model '${provider.name}/${asked}' not found on provider '${provider.name}' ` +
              `(available: ${available.join(", ") || "none"})`,
          );
        }
        const model = entry.id;
        const dim = await probedDim(provider, model);
        if (dim === undefined) {
          throw new ReverieError(
            "invalid_argument",
            `Could not learn the embedding size of '${provider.name}/${model}': the endpoint did not return an ` +
              "embedding and the model is not a known one; pass embedding_config with embedding_dim",
          );
        }
        return toEmbeddingConfig(provider, model, dim, undefined);
      }
      const listed = await embeddingsOf(provider);
      // A listed model matches whatever its case (`All-MiniLM-L6-v2`), and takes the listed spelling.
      const entry =
        listed.find((candidate) => candidate.name === asked) ??
        listed.find((candidate) => candidate.name.toLowerCase() === asked.toLowerCase());
      const model = entry?.name ?? asked;
      await requireListed(provider, model, listed, "Embedding model");
      const dim = entry?.dim ?? knownEmbeddingDim(provider, model) ?? DEFAULT_EMBEDDING_DIM;
      return toEmbeddingConfig(provider, model, dim, entry?.chunkSize);
    },

    async defaultLlmHandle() {
      if (config.defaultModel) return config.defaultModel;
      for (const provider of configured) {
        const listed = await llmsOf(provider);
        const preferred = listed.find((llm) => llm.name === provider.preferredLlm) ?? listed[0];
        if (preferred) return `${provider.name}/${preferred.name}`;
      }
      return undefined;
    },

    async defaultEmbeddingHandle() {
      if (config.defaultEmbedding) return config.defaultEmbedding;
      for (const provider of configured) {
        const listed = await embeddingsOf(provider);
        const preferred = listed.find((entry) => entry.name === provider.preferredEmbedding) ?? listed[0];
        if (preferred) return `${provider.name}/${preferred.name}`;
      }
      return undefined;
    },

    configuredProviders: () => configured.map((provider) => provider.name),

    async checkProvider(handle, kind) {
      const { provider, model } = knownProviderOf(handle);
      if (kind === "embedding") requireEmbeds(provider);
      if (!provider.configured) return undefined;
      // The model must be one the provider serves, decided exactly as for a handle.
      const served = `${provider.name}/${model}`;
      return kind === "llm" ? this.resolveLlm(served) : this.resolveEmbedding(served);
    },
  };
}

function requireEmbeds(provider: ProviderEntry): void {
  if (provider.catalogEmbeddings.length === 0 && !provider.discover && !provider.listEmbeddings) {
    throw new ReverieError("invalid_argument", `Provider '${provider.name}' serves no embedding models`);
  }
}

function contextWindowOf(provider: ProviderEntry, model: string): number {
  return lookupByPrefix(provider.catalogLlms, model)?.contextWindow ?? provider.defaultContextWindow;
}

/** The size of an embedding model the catalogs know (case-insensitively), else undefined. */
function knownEmbeddingDim(provider: ProviderEntry, model: string): number | undefined {
  return (
    lookupByPrefix(provider.catalogEmbeddings, model)?.dim ?? lookupByPrefix(LOCAL_EMBEDDINGS, model)?.dim
  );
}

function toModel(provider: ProviderEntry, llm: CatalogLlm): Model {
  return {
    name: llm.name,
    handle: `${provider.name}/${llm.name}`,
    display_name: llm.name,
    provider_type: provider.type,
    provider_name: provider.name,
    provider_category: "base",
    model_type: "llm",
    max_context_window: llm.contextWindow,
    model: llm.name,
    model_endpoint_type: provider.endpointType,
    model_endpoint: provider.endpoint,
    context_window: llm.contextWindow,
  };
}

function toEmbeddingModel(provider: ProviderEntry, embedding: CatalogEmbedding): EmbeddingModel {
  return {
    name: embedding.name,
    handle: `${provider.name}/${embedding.name}`,
    display_name: embedding.name,
    provider_type: provider.type,
    provider_name: provider.name,
    model_type: "embedding",
    embedding_endpoint_type: provider.endpointType,
    embedding_endpoint: provider.endpoint,
    embedding_model: embedding.name,
    embedding_dim: embedding.dim,
    embedding_chunk_size: embedding.chunkSize ?? DEFAULT_EMBEDDING_CHUNK_SIZE,
    batch_size: DEFAULT_EMBEDDING_BATCH_SIZE,
  };
}

function toEmbeddingConfig(
  provider: ProviderEntry,
  model: string,
  dim: number,
  chunkSize: number | undefined,
): EmbeddingConfig {
  return {
    embedding_endpoint_type: provider.endpointType,
    embedding_endpoint: provider.endpoint,
    embedding_model: model,
    embedding_dim: dim,
    embedding_chunk_size: chunkSize ?? DEFAULT_EMBEDDING_CHUNK_SIZE,
    handle: `${provider.name}/${model}`,
    batch_size: DEFAULT_EMBEDDING_BATCH_SIZE,
  };
}
