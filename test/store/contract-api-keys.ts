import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ApiKeyRecord } from "../../src/domain/index.js";
import { DEFAULT_ORGANIZATION_ID, withOrganization } from "../../src/store/tenancy.js";
import { type ContractContext, ids } from "./contract-context.js";
import type { Fixtures } from "./fixtures.js";

function keyRecord(f: Fixtures, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const secret = `rv-${f.id("secret")}`;
  return {
    id: f.id("apikey"),
    organization_id: DEFAULT_ORGANIZATION_ID,
    name: "ci",
    prefix: secret.slice(0, 11),
    hash: createHash("sha256").update(secret).digest("hex"),
    is_admin: false,
    created_at: f.now(),
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    ...overrides,
  };
}

/** API keys: stored by hash, outside any organization's scope, revoked but never deleted. */
export function describeApiKeyContract(context: ContractContext): void {
  describe("api keys", () => {
    it("stores a key by hash and lists it without the hash", async () => {
      const { store, f } = context;
      expect(await store.apiKeys.any()).toBe(false);
      const record = keyRecord(f, { is_admin: true, expires_at: f.at(10_000) });
      const created = await store.apiKeys.create(record);
      expect(created).not.toHaveProperty("hash");
      expect(await store.apiKeys.any()).toBe(true);
      const found = await store.apiKeys.findByHash(record.hash);
      expect(found).toEqual(record);
      expect(await store.apiKeys.findByHash("0".repeat(64))).toBeUndefined();
      const [listed] = await store.apiKeys.list();
      expect(listed).toEqual(created);
      expect(listed).not.toHaveProperty("hash");
      expect(await store.apiKeys.get(record.id)).toEqual(created);
    });

    it("rejects a second key with the same hash", async () => {
      const { store, f } = context;
      const record = keyRecord(f);
      await store.apiKeys.create(record);
      await expect(store.apiKeys.create({ ...record, id: f.id("apikey") })).rejects.toThrow();
      expect(await store.apiKeys.list()).toHaveLength(1);
    });

    it("lists by organization, in creation order, whatever the request's organization", async () => {
      const { store, f } = context;
      const now = f.now();
      const other = await store.organizations.create({
        id: f.id("org"),
        name: "b",
        created_at: now,
        updated_at: now,
      });
      const first = await store.apiKeys.create(keyRecord(f));
      const second = await store.apiKeys.create(keyRecord(f, { organization_id: other.id }));
      const third = await store.apiKeys.create(keyRecord(f));
      expect(ids(await store.apiKeys.list())).toEqual([first.id, second.id, third.id]);
      expect(ids(await store.apiKeys.list({ order: "desc", limit: 2 }))).toEqual([third.id, second.id]);
      expect(ids(await store.apiKeys.list({ organization_id: other.id }))).toEqual([second.id]);
      await withOrganization(other.id, async () => {
        expect(ids(await store.apiKeys.list({ organization_id: DEFAULT_ORGANIZATION_ID }))).toEqual([
          first.id,
          third.id,
        ]);
      });
    });

    it("revokes once, keeping the first revocation time, and records uses", async () => {
      const { store, f } = context;
      const record = keyRecord(f);
      await store.apiKeys.create(record);
      const revokedAt = f.now();
      expect((await store.apiKeys.revoke(record.id, revokedAt))?.revoked_at).toBe(revokedAt);
      expect((await store.apiKeys.revoke(record.id, f.now()))?.revoked_at).toBe(revokedAt);
      expect(await store.apiKeys.revoke(f.id("apikey"), f.now())).toBeUndefined();
      const usedAt = f.now();
      await store.apiKeys.touch(record.id, usedAt);
      expect((await store.apiKeys.findByHash(record.hash))?.last_used_at).toBe(usedAt);
      // A revoked key still counts as configured: auth must not silently switch off.
      expect(await store.apiKeys.any()).toBe(true);
    });
  });
}
