import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from "kysely";

/** Distinct SQL texts kept prepared; the store runs far fewer, plus `IN (…)` lists of various lengths. */
const STATEMENT_CACHE_SIZE = 500;
/**
 * Statements with more parameters than this are prepared for one use and not kept. They are the long
 * `IN (…)` lists (a window's message ids: a new length every turn), and a prepared statement's native
 * memory grows with its parameters: 500 of 1,000-3,000 parameters held 175 MB outside the JS heap.
 */
export const MAX_CACHED_PARAMETERS = 100;

/** The `?` placeholders of a SQL text, counted up to `limit + 1`. */
function placeholdersOver(sql: string, limit: number): boolean {
  let count = 0;
  for (let index = sql.indexOf("?"); index !== -1; index = sql.indexOf("?", index + 1)) {
    if (++count > limit) return true;
  }
  return false;
}

/**
 * Kysely's SQLite driver, except that transactions begin IMMEDIATE: the write lock is taken up front,
 * so a transaction that reads then writes never fails with SQLITE_BUSY when another process writes
 * in between (it waits out `busy_timeout` instead). Job claims and migrations rely on it.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * The database with each distinct SQL text prepared once and reused. Kysely's driver prepares every
 * statement it runs, and preparing costs more than running most of ours (it was a sixth of a turn's
 * CPU time). The least recently used statement is dropped past `capacity`. Reuse is safe: the driver
 * runs one statement at a time on the single connection, and SQLite re-prepares a statement itself
 * when the schema changes. Statements with more than `MAX_CACHED_PARAMETERS` parameters are not kept.
 */
export function withStatementCache(database: SqliteDatabase, capacity: number): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (placeholdersOver(sql, MAX_CACHED_PARAMETERS)) return statement;
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next();
        if (!oldest.done) statements.delete(oldest.value);
      }
      return statement;
    },
  };
}

/** Kysely's `SqliteDialect` with write transactions that begin IMMEDIATE and prepared statements reused. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    const { database } = config;
    this.#config =
      typeof database === "function"
        ? config
        : { ...config, database: withStatementCache(database, STATEMENT_CACHE_SIZE) };
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
