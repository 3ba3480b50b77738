import { type Kysely, sql } from "kysely";
import { ReverieError } from "../../domain/errors.js";
import type { Database } from "../sql/tables.js";
import { type PostgresMigration, postgresMigrations } from "./migrations.js";

/**
 * Key of the transaction-level advisory lock held while migrating. One key for the whole database (not
 * per schema) because `CREATE EXTENSION` and `CREATE SCHEMA IF NOT EXISTS` race across schemas too.
 */
const MIGRATION_LOCK_KEY = 0x52564d47; // "RVMG"

/**
 * Brings the schema up to date in one transaction: takes the migration lock (a second process starting
 * at the same time waits here, then finds everything applied), creates the schema and the `vector`
 * extension if missing, and applies the migrations not yet recorded in `reverie_migrations`.
 * Returns the names of the migrations it applied.
 */
export async function migratePostgres(
  db: Kysely<Database>,
  options: { schema?: string | undefined; migrations?: readonly PostgresMigration[] } = {},
): Promise<string[]> {
  const migrations = options.migrations ?? postgresMigrations;
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(tx);
    if (options.schema !== undefined)
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(options.schema)}`.execute(tx);
    const extension = await sql`SELECT 1 FROM pg_extension WHERE extname = 'vector'`.execute(tx);
    if (extension.rows.length === 0) await createVectorExtension(tx);
    await sql`CREATE TABLE IF NOT EXISTS reverie_migrations (
      name TEXT PRIMARY KEY,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`.execute(tx);
    const applied = new Set(
      (await tx.selectFrom("reverie_migrations").select("name").execute()).map((row) => row.name),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      for (const statement of migration.statements) await sql.raw(statement).execute(tx);
      await tx
        .insertInto("reverie_migrations")
        .values({ name: migration.name, applied_at: new Date() })
        .execute();
      done.push(migration.name);
    }
    return done;
  });
}

async function createVectorExtension(db: Kysely<Database>): Promise<void> {
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public`.execute(db);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReverieError(
      "unavailable",
      `PostgreSQL could not create the pgvector extension (${reason}). Install pgvector on the server ` +
        "(scripts/install-pgvector.sh builds it), or have a superuser run CREATE EXTENSION vector.",
      { cause: error },
    );
  }
}
