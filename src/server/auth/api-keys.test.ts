import * as crypto from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openSqliteStore } from "../../store/index.js";
import type { Store } from "../../store/store.js";
import { createApiKeyService, generateApiKey, hashApiKey } from "./api-keys.js";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

describe("api key service", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore({ path: ":memory:" });
    vi.mocked(crypto.timingSafeEqual).mockClear();
  });
  afterEach(async () => {
    await store.close();
  });

  it("makes 256-bit keys and stores only their SHA-256", async () => {
    const keys = createApiKeyService({ store });
    const a = generateApiKey();
    expect(a).toMatch(/^rv-[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(a);
    const created = await keys.create({ name: "ci" });
    const stored = await store.apiKeys.findByHash(hashApiKey(created.key));
    expect(stored?.hash).toBe(crypto.createHash("sha256").update(created.key).digest("hex"));
    expect(JSON.stringify(await store.apiKeys.list())).not.toContain(created.key.slice(11));
  });

  it("compares digests in constant time, for stored keys and REVERIE_API_KEY alike", async () => {
    const keys = createApiKeyService({ store, envKey: "env-secret-value" });
    const { key } = await keys.create({ name: "ci" });
    const compare = vi.mocked(crypto.timingSafeEqual);

    expect(await keys.authenticate(key)).toMatchObject({ is_admin: false });
    // One comparison against the env key's digest, one against the stored key's.
    expect(compare).toHaveBeenCalledTimes(2);
    for (const [left, right] of compare.mock.calls) {
      expect((left as Buffer).length).toBe(32);
      expect((right as Buffer).length).toBe(32);
    }
    compare.mockClear();
    expect(await keys.authenticate("env-secret-value")).toMatchObject({ is_admin: true });
    expect(compare).toHaveBeenCalledTimes(1);
    compare.mockClear();
    expect(await keys.authenticate("env-secret-valuf")).toBeUndefined();
    expect(compare).toHaveBeenCalledTimes(1);
  });

  it("treats an empty REVERIE_API_KEY as unset", async () => {
    const keys = createApiKeyService({ store, envKey: "" });
    expect(await keys.required()).toBe(false);
    expect(await keys.authenticate("")).toBeUndefined();
  });

  it("stays required once a key exists, even after it is revoked", async () => {
    const keys = createApiKeyService({ store });
    expect(await keys.required()).toBe(false);
    const { id } = await keys.create({ name: "ci" });
    await keys.revoke(id);
    expect(await keys.required()).toBe(true);
    // A second server process on the same store learns it from the store.
    expect(await createApiKeyService({ store }).required()).toBe(true);
  });
});
