import { performance } from "node:perf_hooks";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
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

/** How long statements may run back to back before the event loop gets a turn. */
const SLICE_MS = 8;

/**
 * Lets the event loop breathe between statements. better-sqlite3 runs every statement synchronously, so
 * a long run of them (thousands of passages with their vectors and text index, inside one transaction)
 * held every other request, `/v1/health` included, for seconds. Once statements have run for
 * {@link SLICE_MS} within one turn of the event loop, the next one waits for a `setImmediate`, so I/O
 * is served in between. The single connection stays held, so a transaction stays whole: other
 * requests' statements wait for it as before; only work that needs no database goes on meanwhile.
 */
function cooperativeScheduler(): () => Promise<void> | undefined {
  let sliceStart: number | undefined;
  const endSlice = () => {
    sliceStart = undefined;
  };
  return () => {
    const now = performance.now();
    if (sliceStart === undefined) {
      sliceStart = now;
      setImmediate(endSlice);
      return undefined;
    }
    if (now - sliceStart < SLICE_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
}

class CooperativeConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #turn: () => Promise<void> | undefined;

  constructor(inner: DatabaseConnection, turn: () => Promise<void> | undefined) {
    this.#inner = inner;
    this.#turn = turn;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const waiting = this.#turn();
    if (waiting !== undefined) await waiting;
    return this.#inner.executeQuery<R>(compiledQuery);
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

/**
 * Kysely's SQLite driver, except that transactions begin IMMEDIATE: the write lock is taken up front,
 * so a transaction that reads then writes never fails with SQLITE_BUSY when another process writes
 * in between (it waits out `busy_timeout` instead). Job claims and migrations rely on it. Long runs of
 * statements yield to the event loop (see {@link cooperativeScheduler}).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #turn = cooperativeScheduler();
  #connection: { inner: DatabaseConnection; wrapped: CooperativeConnection } | undefined;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    if (this.#connection?.inner !== inner) {
      this.#connection = { inner, wrapped: new CooperativeConnection(inner, this.#turn) };
    }
    return this.#connection.wrapped;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * The database with each distinct SQL text prepared once and reused. Kysely's driver prepares every
 * statement it runs, and preparing costs more than running most of ours (it was a sixth of a turn's
 * CPU time). The least recently used statement is dropped past `capacity`. Reuse is safe: the driver
 * runs one statement at a time on the single connection, and SQLite re-prepares a statement itself
 * when the schema changes. Statements with more than {@link MAX_CACHED_PARAMETERS} parameters are not kept.
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
