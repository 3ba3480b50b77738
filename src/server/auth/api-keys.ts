import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  type ApiKey,
  type Clock,
  type CreatedApiKey,
  type IdGenerator,
  type Organization,
  type PageQuery,
  randomIds,
  systemClock,
} from "../../domain/index.js";
import { upsertBaseTools } from "../../runtime/tools/base-tools.js";
import type { Store } from "../../store/store.js";
import { DEFAULT_ORGANIZATION_ID, withOrganization } from "../../store/tenancy.js";

/** What every key starts with, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = "rv-";
/** How many characters of a key are kept in clear to tell keys apart in lists. */
const SHOWN_CHARACTERS = API_KEY_PREFIX.length + 8;
/** A use of a key is recorded at most this often per key (a write per request would be felt). */
const TOUCH_INTERVAL_MS = 60_000;

/** Who a request authenticated as. */
export interface Principal {
  organization_id: string;
  is_admin: boolean;
  /** The stored key's id; undefined for `REVERIE_API_KEY`. */
  key_id: string | undefined;
}

/** What a new key is made from. */
export interface NewApiKey {
  name: string;
  organization_id?: string | undefined;
  is_admin?: boolean | undefined;
  /** ISO-8601; the key is refused from then on. */
  expires_at?: string | null | undefined;
}

/** API keys: creation (the secret is returned once), listing, revocation, and checking a presented key. */
export interface ApiKeyService {
  create(input: NewApiKey): Promise<CreatedApiKey>;
  list(query?: { organization_id?: string | undefined }): Promise<ApiKey[]>;
  get(id: string): Promise<ApiKey | undefined>;
  revoke(id: string): Promise<ApiKey | undefined>;
  /** The principal of a presented key; undefined when it is unknown, malformed, revoked or expired. */
  authenticate(presented: string): Promise<Principal | undefined>;
  /** Whether requests must carry a key: `REVERIE_API_KEY` is set or a key was ever created. */
  required(): Promise<boolean>;
  /** A new organization, with its own rows of the built-in tools. */
  createOrganization(name: string): Promise<Organization>;
  listOrganizations(page?: PageQuery): Promise<Organization[]>;
  getOrganization(id: string): Promise<Organization | undefined>;
}

/** What the key service is built from; `envKey` is `REVERIE_API_KEY`, read once at the edge. */
export interface ApiKeyServiceDeps {
  store: Store;
  clock?: Clock | undefined;
  ids?: IdGenerator | undefined;
  envKey?: string | undefined;
}

/** The SHA-256 of a key, as stored (hex). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random key: the prefix and 32 random bytes in base64url (256 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** Builds the key service over the store. */
export function createApiKeyService(deps: ApiKeyServiceDeps): ApiKeyService {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const envKey = deps.envKey === undefined || deps.envKey === "" ? undefined : deps.envKey;
  const envDigest = envKey === undefined ? undefined : digest(envKey);
  // Keys are never deleted, so once one exists auth stays required: remember that, ask until then.
  let keysExist = false;
  const lastTouched = new Map<string, number>();

  return {
    async create(input) {
      const secret = generateApiKey();
      const record = {
        id: ids.next("apikey"),
        organization_id: input.organization_id ?? DEFAULT_ORGANIZATION_ID,
        name: input.name,
        prefix: secret.slice(0, SHOWN_CHARACTERS),
        hash: hashApiKey(secret),
        is_admin: input.is_admin ?? false,
        created_at: clock.now().toISOString(),
        expires_at: input.expires_at ?? null,
        revoked_at: null,
        last_used_at: null,
      };
      const created = await store.apiKeys.create(record);
      keysExist = true;
      return { ...created, key: secret };
    },

    list: (query) => store.apiKeys.list({ organization_id: query?.organization_id }),

    get: (id) => store.apiKeys.get(id),

    async revoke(id) {
      return store.apiKeys.revoke(id, clock.now().toISOString());
    },

    async authenticate(presented) {
      const presentedDigest = digest(presented);
      if (envDigest !== undefined && timingSafeEqual(presentedDigest, envDigest)) {
        return { organization_id: DEFAULT_ORGANIZATION_ID, is_admin: true, key_id: undefined };
      }
      const hash = presentedDigest.toString("hex");
      const stored = await store.apiKeys.findByHash(hash);
      // The lookup is by the hash of a 256-bit secret, so its timing tells nothing about any key; the
      // comparison of the digests themselves is constant-time all the same.
      if (stored === undefined || !timingSafeEqual(Buffer.from(stored.hash, "hex"), presentedDigest)) {
        return undefined;
      }
      const now = clock.now();
      if (stored.revoked_at !== null) return undefined;
      if (stored.expires_at !== null && Date.parse(stored.expires_at) <= now.getTime()) return undefined;
      const touched = lastTouched.get(stored.id);
      if (touched === undefined || now.getTime() - touched >= TOUCH_INTERVAL_MS) {
        lastTouched.set(stored.id, now.getTime());
        await store.apiKeys.touch(stored.id, now.toISOString());
      }
      return { organization_id: stored.organization_id, is_admin: stored.is_admin, key_id: stored.id };
    },

    async required() {
      if (envKey !== undefined || keysExist) return true;
      keysExist = await store.apiKeys.any();
      return keysExist;
    },

    async createOrganization(name) {
      const now = clock.now().toISOString();
      const organization = await store.organizations.create({
        id: ids.next("org"),
        name,
        created_at: now,
        updated_at: now,
      });
      // Tool names are unique per organization: the new one gets its own built-in tools at once.
      await withOrganization(organization.id, () => upsertBaseTools(store, { clock, ids }));
      return organization;
    },

    listOrganizations: (page) => store.organizations.list(page),

    getOrganization: (id) => store.organizations.get(id),
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
