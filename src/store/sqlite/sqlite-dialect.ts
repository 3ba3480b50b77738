import { type Kysely, sql } from "kysely";
import { ReverieError } from "../../domain/index.js";
import type { SqlDb, SqlDialect } from "../sql/dialect.js";
import type { Database } from "../sql/tables.js";
import { ftsTermsQuery, ftsWords, toFts5Query } from "./fts-query.js";
import { SQLITE_MIGRATIONS, type SqliteMigration } from "./migrations.js";
import {
  coversEveryPassage,
  deleteVectors,
  MESSAGE_VECTORS,
  readVectors,
  searchMessageVectors,
  searchVectors,
  writeVectors,
} from "./vector-index.js";

/** Words in more than this share of passages are left out of a query that has rarer ones. */
const COMMON_WORD_SHARE = 0.1;
/** Below this many passages every query word is kept (ranking them all is cheap). */
const PRUNE_FROM_PASSAGES = 2000;

/**
 * The query words worth searching for: a word most passages contain adds little to bm25 but makes the
 * query match, and rank, most of the table (70 ms instead of a few at 100k passages). Each word's
 * matches are counted only up to the threshold, so the check stays cheap. When every word is common,
 * all are kept.
 */
async function selectiveWords(db: SqlDb, words: string[]): Promise<string[]> {
  if (words.length < 2) return words;
  const newest = await sql<{ rowid: number | null }>`select max(rowid) as rowid from passages`.execute(db);
  const passages = Number(newest.rows[0]?.rowid ?? 0);
  if (passages < PRUNE_FROM_PASSAGES) return words;
  const threshold = Math.floor(passages * COMMON_WORD_SHARE);
  const selective: string[] = [];
  for (const word of words) {
    const counted = await sql<{ matches: number }>`select count(*) as matches from (
      select 1 from passages_fts where passages_fts match ${`"${word}"`} limit ${threshold + 1})`.execute(db);
    if (Number(counted.rows[0]?.matches ?? 0) <= threshold) selective.push(word);
  }
  return selective.length > 0 ? selective : words;
}

/** Name of the SQL function `openSqliteStore` registers for Unicode-aware lower-casing. */
export const CASEFOLD_FUNCTION = "reverie_casefold";

const UNIQUE_CODES = new Set(["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);

/** The SQLite side of the shared repositories: TEXT/INTEGER encodings, sqlite-vec and FTS5. */
export const sqliteDialect: SqlDialect = {
  name: "sqlite",

  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (raw) => (typeof raw === "string" ? JSON.parse(raw) : raw),
  encodeBool: (value) => (value ? 1 : 0),
  decodeBool: (raw) => raw === 1 || raw === true || raw === 1n || raw === "1",
  encodeTimestamp(iso) {
    const time = new Date(iso);
    if (Number.isNaN(time.getTime()))
      throw new ReverieError("invalid_argument", `Invalid timestamp '${iso}'`);
    return time.toISOString();
  },
  decodeTimestamp: (raw) => (raw instanceof Date ? raw.toISOString() : String(raw)),

  // SQLite's own lower() folds ASCII only; the registered function folds like JavaScript does.
  containsInsensitive: (value, needle) =>
    sql<boolean>`instr(${sql.raw(CASEFOLD_FUNCTION)}(${value}), ${needle.toLowerCase()}) > 0`,
  jsonArrayContains: (array, element) =>
    sql<boolean>`exists (select 1 from json_each(${array}) where json_each.value = ${element})`,
  // `json_each` over `passages.tags` cannot use an index; the indexed `passage_tags` table can.
  passageTagsMatch: () => undefined,
  isUniqueViolation: (error) =>
    typeof error === "object" &&
    error !== null &&
    UNIQUE_CODES.has(String((error as { code?: unknown }).code)),

  writePassageVectors: writeVectors,
  deletePassageVectors: deleteVectors,
  readPassageVectors: readVectors,
  searchPassageVectors: searchVectors,
  writeMessageVectors: (db, items) => writeVectors(db, items, MESSAGE_VECTORS),
  deleteMessageVectors: (db, items) => deleteVectors(db, items, MESSAGE_VECTORS),
  searchMessageVectors,

  // `+rowid`: a plain `rowid IN (...)` would be handed to FTS5, which then runs the MATCH once per
  // candidate (seconds on 20k rows); the unary plus keeps it a filter over the match's results.
  // A filter that keeps every passage is left out (see coversEveryPassage).
  async searchPassageText(db, { where, query, limit, filter }) {
    if (limit <= 0) return [];
    const match = ftsTermsQuery(await selectiveWords(db, ftsWords(query)));
    if (match === undefined) return [];
    const candidates = db.selectFrom("passages").select("passages.rowid").where(where);
    const restriction = (await coversEveryPassage(db, filter)) ? sql`` : sql`and +rowid in (${candidates})`;
    const result = await sql<{ rowid: number; score: number }>`
      select rowid, bm25(passages_fts) as score from passages_fts
      where passages_fts match ${match} ${restriction}
      order by score limit ${limit}`.execute(db);
    return result.rows.map((row) => ({ rowid: Number(row.rowid), rank: -row.score }));
  },

  async searchMessageText(db, { where, query, limit }) {
    const match = toFts5Query(query);
    if (match === undefined || limit <= 0) return [];
    const candidates = db.selectFrom("messages").select("messages.sequence_id").where(where);
    const result = await sql<{ rowid: number; score: number }>`
      select rowid, bm25(messages_fts) as score from messages_fts
      where messages_fts match ${match} and +rowid in (${candidates})
      order by score limit ${limit}`.execute(db);
    return result.rows.map((row) => ({ sequence_id: Number(row.rowid), rank: -row.score }));
  },

  // Every transaction of the SQLite adapter begins IMMEDIATE (see kysely-dialect.ts): no row lock needed.
  lockForClaim: (query) => query,

  migrate: migrateSqlite,
};

/**
 * Applies the pending migrations in one IMMEDIATE transaction, so that of two processes opening a new
 * file at once, one migrates and the other then finds everything applied. When a pending migration
 * rebuilds a referenced table, foreign keys are off for the run (the pragma cannot change inside a
 * transaction) and every reference is checked before the commit.
 */
export async function migrateSqlite(
  db: Kysely<Database>,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
): Promise<void> {
  const before = await appliedMigrations(db).catch(() => new Set<string>());
  const foreignKeysOff = migrations.some(
    (migration) => migration.foreignKeysOff && !before.has(migration.name),
  );
  if (foreignKeysOff) await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (tx) => {
      await sql`create table if not exists reverie_migrations (name text primary key, applied_at text not null)`.execute(
        tx,
      );
      const applied = await appliedMigrations(tx);
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        for (const statement of migration.statements) await sql.raw(statement).execute(tx);
        await tx
          .insertInto("reverie_migrations")
          .values({ name: migration.name, applied_at: new Date().toISOString() })
          .execute();
      }
      if (foreignKeysOff) {
        const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(tx);
        if (broken.rows.length > 0) {
          throw new Error(
            `Migration left ${broken.rows.length} broken references (first in ${broken.rows[0]?.table}); nothing was changed`,
          );
        }
      }
    });
  } finally {
    if (foreignKeysOff) await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function appliedMigrations(db: SqlDb): Promise<Set<string>> {
  const rows = await db.selectFrom("reverie_migrations").select("name").execute();
  return new Set(rows.map((row) => row.name));
}
