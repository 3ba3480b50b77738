import type { Expression, ExpressionBuilder, Kysely, SelectQueryBuilder, SqlBool } from "kysely";
import type { PassageFilter } from "../store.js";
import type { Bool, Database, Json, Timestamp } from "./tables.js";

/**
 * A Kysely handle on the shared layout: the root instance or a transaction (`Transaction<Database>`
 * extends `Kysely<Database>`). Every dialect method that takes one must run its SQL on it, so that the
 * work joins the caller's transaction.
 */
export type SqlDb = Kysely<Database>;

/** A condition on `passages` built by the shared code (archive ids, tags any/all, date range, not deleted). */
export type PassageWhere = (eb: ExpressionBuilder<Database, "passages">) => Expression<SqlBool>;

/** A condition on `messages` built by the shared code (agent, conversation, roles, date range). */
export type MessageWhere = (eb: ExpressionBuilder<Database, "messages">) => Expression<SqlBool>;

/** Where a passage's vector lives: its `passages.rowid` and its dimension (`passages.embedding_dim`). */
export interface PassageVectorRef {
  rowid: number;
  dim: number;
}

/**
 * Everything that differs between SQLite and PostgreSQL. The shared repositories in `src/store/sql/`
 * hold no dialect-specific SQL: they go through this interface for value encodings, the few
 * non-portable predicates, vector and full-text indexes, job-claim locking and migrations.
 *
 * Conventions for implementers:
 * - Row ids come back from drivers as number, bigint or string (PostgreSQL `int8`); the shared code
 *   normalises them with `Number()`, so methods here may return any of those where noted `number`.
 * - Search methods return keys only (`passages.rowid`, `messages.sequence_id`) best first; the shared code
 *   loads the rows and keeps that order.
 * - Portable SQL (`ON CONFLICT`, `RETURNING`, row locking aside) is written once in the shared code.
 */
export interface SqlDialect {
  /** Which adapter this is; surfaces as `Store.dialect`. */
  readonly name: "sqlite" | "postgres";

  /** Encodes a JS value (object, array, string, number, null) for a `Json` column. */
  encodeJson(value: unknown): Json;
  /** Decodes a `Json` column as the driver returns it (JSON text on SQLite, already parsed on PostgreSQL). */
  decodeJson(raw: unknown): unknown;
  /** Encodes a boolean for a `Bool` column (0/1 on SQLite, boolean on PostgreSQL). */
  encodeBool(value: boolean): Bool;
  /** Decodes a `Bool` column (0/1, boolean) to a boolean. */
  decodeBool(raw: unknown): boolean;
  /**
   * Encodes an ISO-8601 timestamp for a `Timestamp` column, normalised so that comparisons in SQL order
   * correctly (SQLite: `Date#toISOString()` text); throws `ReverieError("invalid_argument")` if unparseable.
   */
  encodeTimestamp(iso: string): Timestamp;
  /** Decodes a `Timestamp` column (ISO text or `Date`) to an ISO-8601 UTC string with milliseconds. */
  decodeTimestamp(raw: unknown): string;

  /** True when `needle` occurs in `value` ignoring case; `needle` is literal text (no wildcards). */
  containsInsensitive(value: Expression<string | null>, needle: string): Expression<SqlBool>;
  /** True when the JSON array in `array` (a `Json` column of strings) contains the string `element`. */
  jsonArrayContains(array: Expression<Json>, element: string): Expression<SqlBool>;
  /**
   * The passage tag filter as a condition on the `passages.tags` column (a JSON array of strings):
   * `all` keeps passages having every one of `tags`, `any` those having at least one; `tags` is non-empty
   * and has no duplicates. Undefined when the dialect cannot index that column for it: the shared code
   * then filters through the `passage_tags` table instead.
   */
  passageTagsMatch(
    column: Expression<Json>,
    tags: readonly string[],
    mode: "any" | "all",
  ): Expression<SqlBool> | undefined;
  /** Whether an error thrown by the driver is a unique-constraint (or primary-key) violation. */
  isUniqueViolation(error: unknown): boolean;

  /**
   * Stores passage vectors, each in the index of its dimension (`vector.length`), creating that index on
   * first use; replaces any vector the rowid already has in that index.
   */
  writePassageVectors(
    db: SqlDb,
    items: ReadonlyArray<{ rowid: number; vector: readonly number[] }>,
  ): Promise<void>;
  /** Removes passage vectors from the indexes of their dimensions; missing ones are ignored. */
  deletePassageVectors(db: SqlDb, items: readonly PassageVectorRef[]): Promise<void>;
  /** Reads stored vectors back, keyed by rowid (float32 precision is acceptable); missing ones are absent. */
  readPassageVectors(db: SqlDb, items: readonly PassageVectorRef[]): Promise<Map<number, number[]>>;
  /**
   * The `limit` nearest passages to `vector` by cosine distance (0 = same direction, ascending), among
   * passages with `embedding_dim = vector.length` that satisfy `where`. Filters apply before the limit:
   * it returns `limit` results whenever that many passages match. `filter` is the filter `where` was
   * built from, for an adapter that can use its shape (see `searchPassageText` too).
   */
  searchPassageVectors(
    db: SqlDb,
    args: { where: PassageWhere; vector: readonly number[]; limit: number; filter?: PassageFilter },
  ): Promise<Array<{ rowid: number; distance: number }>>;
  /**
   * Full-text search of `passages.text` among passages satisfying `where`, best first, `rank` positive and
   * higher for better matches. Any user text is a valid query (sanitised here; no syntax errors); a
   * query with no searchable terms returns [].
   */
  searchPassageText(
    db: SqlDb,
    args: { where: PassageWhere; query: string; limit: number; filter?: PassageFilter },
  ): Promise<Array<{ rowid: number; rank: number }>>;
  /**
   * Message vectors, with the same contracts as the passage methods above; each item's `rowid` is the
   * message's `sequence_id`.
   */
  writeMessageVectors(
    db: SqlDb,
    items: ReadonlyArray<{ rowid: number; vector: readonly number[] }>,
  ): Promise<void>;
  deleteMessageVectors(db: SqlDb, items: readonly PassageVectorRef[]): Promise<void>;
  /** The `limit` nearest messages with `embedding_dim = vector.length` satisfying `where` (filters first). */
  searchMessageVectors(
    db: SqlDb,
    args: { where: MessageWhere; vector: readonly number[]; limit: number },
  ): Promise<Array<{ sequence_id: number; distance: number }>>;
  /** Full-text search of `messages.text`, with the same contract as `searchPassageText`. */
  searchMessageText(
    db: SqlDb,
    args: { where: MessageWhere; query: string; limit: number },
  ): Promise<Array<{ sequence_id: number; rank: number }>>;

  /**
   * Adds the row locking a job claim needs to its candidate select: `FOR UPDATE SKIP LOCKED` on
   * PostgreSQL; identity on SQLite, whose transactions begin IMMEDIATE and so already exclude other
   * writers. The shared code runs the select and the update in one transaction.
   */
  lockForClaim<QB extends SelectQueryBuilder<Database, "jobs", object>>(query: QB): QB;

  /**
   * Creates or upgrades the schema to the latest migration, recording each in `reverie_migrations`; safe
   * when several processes open the same new database at once, and a no-op when up to date.
   */
  migrate(db: Kysely<Database>): Promise<void>;
}
