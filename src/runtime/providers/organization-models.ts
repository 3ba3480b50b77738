import type { ModelRegistry } from "../../llm/model-registry.js";
import type { ProviderConfig } from "../../llm/provider-config.js";
import type { Embedder } from "../../llm/providers/embeddings.js";
import { handleOf } from "../../llm/providers/model-factory.js";
import type { ModelProvider } from "../../llm/providers/types.js";
import type { Store } from "../../store/store.js";
import { currentOrganization } from "../../store/tenancy.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { PUBLIC_ONLY } from "../tools/web/address-policy.js";
import { createProviderFetch, type ProviderNetwork } from "./provider-fetch.js";
import { overlayProviders } from "./provider-kinds.js";

/** A registry, a model provider and (optionally) an embedder over one provider configuration. */
export interface ModelStack {
  models: ModelRegistry;
  provider: ModelProvider;
  embedder?: Embedder | undefined;
}

/** What {@link createOrganizationModels} builds on. */
export interface OrganizationModelsDeps {
  /** The server's own stack (environment providers), used as is by organizations with no providers. */
  base: ModelStack;
  /** The configuration `base` was built from; organizations' providers are laid over it. */
  baseConfig: ProviderConfig;
  /** Builds a stack for a configuration (same retry and timeout settings as the base). */
  build: (config: ProviderConfig) => ModelStack;
  store: Store;
  secretBox: SecretBox;
  /** Where organizations' providers may connect (default: public addresses only). */
  network?: ProviderNetwork | undefined;
}

/**
 * A registry and a model provider that work for the current organization: the server's providers,
 * plus (replacing a built-in of the same name) the organization's own. The organization's providers are
 * read on every use (one indexed query), so a change made through any replica applies at once; the
 * stack built from them is cached until they change.
 */
export function createOrganizationModels(deps: OrganizationModelsDeps): ModelStack {
  const cache = new Map<string, { fingerprint: string; stack: ModelStack; byok: Set<string> }>();
  // Every call to an organization's endpoint goes through the address guard; the server's own
  // providers (the operator's environment, maybe a local model server) are called as configured.
  const guardedFetch = createProviderFetch(deps.network ?? { policy: PUBLIC_ONLY });

  async function current(): Promise<{ stack: ModelStack; byok: Set<string> }> {
    const organization = currentOrganization();
    const stored = await deps.store.providers.list({ limit: 1000 });
    if (stored.length === 0) {
      cache.delete(organization);
      return { stack: deps.base, byok: new Set() };
    }
    const fingerprint = stored
      .map((provider) => `${provider.id}@${provider.updated_at}@${provider.last_synced ?? ""}`)
      .join(",");
    const cached = cache.get(organization);
    if (cached?.fingerprint === fingerprint) return cached;
    const opened = stored.map((provider) => ({
      name: provider.name,
      provider_type: provider.provider_type,
      api_key: provider.api_key_enc === null ? null : deps.secretBox.open(provider.api_key_enc),
      base_url: provider.base_url,
    }));
    const stack = deps.build(overlayProviders(deps.baseConfig, opened, guardedFetch));
    const entry = { fingerprint, stack, byok: new Set(stored.map((provider) => provider.name)) };
    cache.set(organization, entry);
    return entry;
  }

  const lastStack = () => cache.get(currentOrganization())?.stack ?? deps.base;

  const models: ModelRegistry = {
    async listModels(filter) {
      const { stack, byok } = await current();
      // Listed as the organization's own (Letta's byok category) where they come from its providers.
      const all = (await stack.models.listModels({ ...filter, provider_category: undefined })).map((model) =>
        byok.has(model.provider_name) ? { ...model, provider_category: "byok" as const } : model,
      );
      const categories = filter?.provider_category ?? [];
      return categories.length === 0
        ? all
        : all.filter((model) => categories.includes(model.provider_category));
    },
    listEmbeddingModels: async () => (await current()).stack.models.listEmbeddingModels(),
    resolveLlm: async (handle, options) => (await current()).stack.models.resolveLlm(handle, options),
    resolveEmbedding: async (handle) => (await current()).stack.models.resolveEmbedding(handle),
    defaultLlmHandle: async () => (await current()).stack.models.defaultLlmHandle(),
    defaultEmbeddingHandle: async () => (await current()).stack.models.defaultEmbeddingHandle(),
    // The two synchronous questions are answered from the organization's last stack (any async call
    // above builds it), else the server's.
    configuredProviders: () => lastStack().models.configuredProviders(),
    checkProvider: (handle, kind) => lastStack().models.checkProvider(handle, kind),
  };

  const provider: ModelProvider = {
    generate: async (request) => (await current()).stack.provider.generate(request),
    async *stream(request) {
      const { stack } = await current();
      yield* stack.provider.stream(request);
    },
  };

  // Embeddings of the organization's own providers go through its stack (its key, its base URL); every
  // other handle (the server's providers, `local/` models) through the server's embedder.
  const base = deps.base.embedder;
  const embedder: Embedder | undefined = base && {
    async embed(texts, model, options) {
      const prefix = handleOf(model).split("/")[0] ?? "";
      const { stack, byok } = await current();
      const own = byok.has(prefix) ? stack.embedder : undefined;
      return (own ?? base).embed(texts, model, options);
    },
    close: () => base.close?.() ?? Promise.resolve(),
  };

  return { models, provider, embedder };
}
