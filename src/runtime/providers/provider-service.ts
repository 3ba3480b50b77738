import {
  type CheckProvider,
  type Clock,
  type CreateProvider,
  type IdGenerator,
  isoNow,
  notFound,
  type Provider,
  type ProviderCheckResult,
  type ProviderType,
  type UpdateProvider,
} from "../../domain/index.js";
import type { ProviderListQuery, Store, StoredProvider } from "../../store/store.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { PUBLIC_ONLY } from "../tools/web/address-policy.js";
import { checkProvider, modelListUrl, type ProviderProbe } from "./provider-check.js";
import { checkProviderAddress, createProviderFetch, type ProviderNetwork } from "./provider-fetch.js";
import { checkBaseUrl, maskProviderKey, type OpenedProvider, validateProvider } from "./provider-kinds.js";

/** Organizations' own model providers (Letta's `/v1/providers`), keys sealed at rest. */
export interface ProviderService {
  create(input: CreateProvider): Promise<Provider>;
  list(query?: ProviderListQuery): Promise<Provider[]>;
  get(id: string): Promise<Provider>;
  /** A new key (and optionally base URL); the name and type stay. */
  update(id: string, patch: UpdateProvider): Promise<Provider>;
  delete(id: string): Promise<void>;
  /** Tries a key before it is stored. */
  check(input: CheckProvider): Promise<ProviderCheckResult>;
  /** Tries a stored provider's key. */
  checkStored(id: string): Promise<ProviderCheckResult>;
  /**
   * Re-reads a stored provider's model list from the provider (Letta's refresh): the organization's
   * model list is rebuilt from the new listing, and `last_synced` says when.
   */
  refresh(id: string): Promise<Provider>;
  /** The current organization's providers with their keys opened: for the model registry only. */
  opened(): Promise<OpenedProvider[]>;
}

export function createProviderService(deps: {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  secretBox: SecretBox;
  /** Where providers' base URLs may point (default: public addresses only). */
  providerNetwork?: ProviderNetwork | undefined;
}): ProviderService {
  const { store, secretBox } = deps;
  const network = deps.providerNetwork ?? { policy: PUBLIC_ONLY };
  const guardedFetch = createProviderFetch(network);
  /** Asks the provider for its models, through the guard, after the address check says why not. */
  const probe = async (target: ProviderProbe) => {
    await checkProviderAddress(modelListUrl(target), network);
    return checkProvider(target, guardedFetch);
  };
  const seal = (value: string | null | undefined) => (value == null ? null : secretBox.seal(value));
  const open = (value: string | null) => (value === null ? null : secretBox.open(value));

  function view(provider: StoredProvider): Provider {
    return {
      id: provider.id,
      name: provider.name,
      provider_type: provider.provider_type as ProviderType,
      provider_category: "byok",
      api_key: maskProviderKey(open(provider.api_key_enc)),
      base_url: provider.base_url,
      access_key: provider.access_key_enc === null ? null : "********",
      region: provider.region,
      api_version: provider.api_version,
      updated_at: provider.updated_at,
      last_synced: provider.last_synced,
    };
  }

  async function stored(id: string): Promise<StoredProvider> {
    const provider = await store.providers.get(id);
    if (provider === undefined) throw notFound("Provider", id);
    return provider;
  }

  return {
    async create(input) {
      validateProvider(input);
      if (input.base_url != null) await checkProviderAddress(input.base_url, network);
      const now = isoNow(deps.clock);
      const created = await store.providers.create({
        id: deps.ids.next("provider"),
        name: input.name,
        provider_type: input.provider_type,
        api_key_enc: seal(input.api_key),
        base_url: input.base_url ?? null,
        access_key_enc: seal(input.access_key),
        region: input.region ?? null,
        api_version: input.api_version ?? null,
        created_at: now,
        updated_at: now,
        last_synced: null,
      });
      return view(created);
    },

    async list(query = {}) {
      return (await store.providers.list(query)).map(view);
    },

    async get(id) {
      return view(await stored(id));
    },

    async update(id, patch) {
      if (patch.base_url != null) {
        checkBaseUrl(patch.base_url);
        await checkProviderAddress(patch.base_url, network);
      }
      const updated = await store.providers.update(id, {
        api_key_enc: seal(patch.api_key),
        ...(patch.base_url !== undefined ? { base_url: patch.base_url } : {}),
        ...(patch.access_key !== undefined ? { access_key_enc: seal(patch.access_key) } : {}),
        ...(patch.region !== undefined ? { region: patch.region } : {}),
        ...(patch.api_version !== undefined ? { api_version: patch.api_version } : {}),
      });
      if (updated === undefined) throw notFound("Provider", id);
      return view(updated);
    },

    async delete(id) {
      if (!(await store.providers.delete(id))) throw notFound("Provider", id);
    },

    check(input) {
      if (input.base_url != null) checkBaseUrl(input.base_url);
      return probe({
        provider_type: input.provider_type,
        api_key: input.api_key,
        base_url: input.base_url ?? null,
      });
    },

    async checkStored(id) {
      const provider = await stored(id);
      return probe({
        provider_type: provider.provider_type,
        api_key: open(provider.api_key_enc),
        base_url: provider.base_url,
      });
    },

    async refresh(id) {
      const provider = await stored(id);
      await probe({
        provider_type: provider.provider_type,
        api_key: open(provider.api_key_enc),
        base_url: provider.base_url,
      });
      // A new last_synced changes the organization's fingerprint: its models are listed afresh.
      const updated = await store.providers.update(id, { last_synced: isoNow(deps.clock) });
      if (updated === undefined) throw notFound("Provider", id);
      return view(updated);
    },

    async opened() {
      return (await store.providers.list({ limit: 1000 })).map((provider) => ({
        name: provider.name,
        provider_type: provider.provider_type,
        api_key: open(provider.api_key_enc),
        base_url: provider.base_url,
      }));
    },
  };
}
