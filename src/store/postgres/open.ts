import { Kysely, PostgresDialect } from "kysely";
import type { Clock, IdGenerator } from "../../domain/index.js";
import { createSqlStore } from "../sql/create-sql-store.js";
import type { Database } from "../sql/tables.js";
import type { Store } from "../store.js";
import { createAdvisoryLocks } from "./advisory-locks.js";
import { createPostgresDialect } from "./dialect.js";
import { checkSchemaName, createPool } from "./pool.js";

/** Where and how to open the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** A `postgres://` connection URL. */
  url: string;
  /**
   * The schema holding Reverie's tables (created if missing); names resolve there first, then in
   * `public`, where the `vector` extension lives. Default: the server's search path (normally `public`).
   */
  schema?: string | undefined;
  /** Most connections the pool opens (node-postgres default: 10). */
  maxConnections?: number | undefined;
  clock?: Clock | undefined;
  ids?: IdGenerator | undefined;
}

/** Opens the PostgreSQL store: connects, applies pending migrations, and returns the shared SQL store. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
  const pool = createPool({ url: options.url, schema, max: options.maxConnections });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const dialect = createPostgresDialect({ schema });
  try {
    await dialect.migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const locks = createAdvisoryLocks({ url: options.url, schema });
  return createSqlStore({
    db,
    dialect,
    locks,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.ids === undefined ? {} : { ids: options.ids }),
    close: async () => {
      await locks.close();
      await db.destroy();
    },
  });
}
