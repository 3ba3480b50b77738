import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Clock, IdGenerator } from "../../src/domain/index.js";
import { openPostgresStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/store.js";

/** The database PostgreSQL tests run against; those tests are skipped when it is unset. */
export const TEST_POSTGRES_URL: string | undefined = process.env.REVERIE_TEST_POSTGRES_URL || undefined;

/** The stores end-to-end suites run on: SQLite always, PostgreSQL when `REVERIE_TEST_POSTGRES_URL` is set. */
export type TestStoreKind = "sqlite" | "postgres";
export const TEST_STORE_KINDS: readonly TestStoreKind[] = ["sqlite", "postgres"];

/** Whether a suite on `kind` must be skipped in this environment. */
export function storeUnavailable(kind: TestStoreKind): boolean {
  return kind === "postgres" && TEST_POSTGRES_URL === undefined;
}

/** Drops a schema (and everything in it) through a short-lived connection. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A new schema name, unique to this call. */
export function freshPostgresSchema(): string {
  return `reverie_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
}

/** Opens the PostgreSQL store in a schema of its own, which `close` drops. */
export async function openFreshPostgresStore(
  url: string,
  options: { clock?: Clock; ids?: IdGenerator; schema?: string } = {},
): Promise<Store & { schema: string }> {
  const schema = options.schema ?? freshPostgresSchema();
  const store = await openPostgresStore({ url, schema, clock: options.clock, ids: options.ids });
  return {
    ...store,
    schema,
    async close() {
      await store.close();
      await dropPostgresSchema(url, schema);
    },
  };
}

/**
 * A new database on the test PostgreSQL server, for code that opens a URL without a schema (a server
 * process, `openReverie`). `drop` removes it, closing any connection left open.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_POSTGRES_URL) throw new Error("REVERIE_TEST_POSTGRES_URL is not set");
  const admin = TEST_POSTGRES_URL;
  const name = `reverie_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
