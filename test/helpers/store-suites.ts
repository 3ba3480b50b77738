import { describe } from "vitest";
import { storeUnavailable, TEST_STORE_KINDS, type TestStoreKind } from "./postgres-schema.js";

/**
 * Declares the same suite once per store: on SQLite always, on PostgreSQL when
 * `REVERIE_TEST_POSTGRES_URL` is set (skipped otherwise, so the skip shows in the report).
 */
export function describeOnEachStore(name: string, suite: (store: TestStoreKind) => void): void {
  for (const kind of TEST_STORE_KINDS) {
    describe.skipIf(storeUnavailable(kind))(`${name} [${kind}]`, () => suite(kind));
  }
}
