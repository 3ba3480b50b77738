import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openPostgresStore, openSqliteStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/store.js";

/** A store opened for one benchmark, with what it takes to throw it away. */
export interface BenchStore {
  backend: "sqlite" | "postgres";
  store: Store;
  /** PostgreSQL: the schema the store works in. */
  schema?: string;
  /** Closes the store and deletes its data (temp file, or the benchmark's schema). */
  dispose(): Promise<void>;
}

/** The PostgreSQL database benchmarks use unless `REVERIE_BENCH_POSTGRES_URL` names another. */
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/reverie_bench";

/** A fresh SQLite store in a temp directory (WAL, as the server opens it). */
export async function openBenchSqlite(): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), "reverie-bench-"));
  const store = await openSqliteStore({ path: join(dir, "reverie.db") });
  return {
    backend: "sqlite",
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh PostgreSQL store in its own schema of the database at `url`, dropped on dispose unless
 * `keep` (or an existing schema, when `schema` names one); or the
 * reason it could not be reached (the benchmark then skips PostgreSQL).
 */
export async function openBenchPostgres(
  url: string,
  options: { schema?: string; keep?: boolean } = {},
): Promise<{ ok: true; value: BenchStore } | { ok: false; reason: string }> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await probe.connect();
  } catch (error) {
    const hint = (error as { code?: string }).code === "3D000" ? " (create it: createdb reverie_bench)" : "";
    return { ok: false, reason: `${url}: ${(error as Error).message}${hint}` };
  }
  // A named schema is one a previous run kept (`keep`), reused as it is.
  const schema = options.schema ?? `bench_${process.pid}_${Date.now()}`;
  let store: Store;
  try {
    store = await openPostgresStore({ url, schema });
  } catch (error) {
    await probe.end();
    return { ok: false, reason: `${url}: ${(error as Error).message}` };
  }
  return {
    ok: true,
    value: {
      backend: "postgres",
      store,
      schema,
      async dispose() {
        await store.close();
        if (!options.keep) await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await probe.end();
      },
    },
  };
}

/**
 * Runs ANALYZE on tables of a benchmark schema, as autovacuum would on a live database some time after
 * a bulk load: without statistics the planner picks plans for empty tables. Returns the time it took.
 */
export async function analyzeTables(url: string, schema: string, tables: readonly string[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    for (const table of tables) await client.query(`ANALYZE "${schema}"."${table}"`);
    return performance.now() - started;
  } finally {
    await client.end();
  }
}
