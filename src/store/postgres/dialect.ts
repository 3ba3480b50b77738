import { sql } from "kysely";
import { ReverieError } from "../../domain/errors.js";
import type { SqlDialect } from "../sql/dialect.js";
import { migratePostgres } from "./migrate.js";
import { searchMessageText, searchPassageText } from "./text-search.js";
import {
  deletePassageVectors,
  MESSAGE_VECTORS,
  readPassageVectors,
  searchMessageVectors,
  searchPassageVectors,
  writePassageVectors,
} from "./vector-index.js";

/** PostgreSQL's SQLSTATE for a unique (or primary key) violation. */
const UNIQUE_VIOLATION = "23505";

/**
 * PostgreSQL cannot store U+0000 in `jsonb` (nor in `text`); JSON.stringify writes it as the escape
 * `\u0000`, which is replaced by U+FFFD so that such a value is kept rather than refused. The lookbehind
 * skips an escaped backslash followed by the literal characters `u0000`.
 */
const JSON_NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

function encodeJson(value: unknown): string {
  return JSON.stringify(value).replace(JSON_NUL_ESCAPE, "$1\\ufffd");
}

/** The PostgreSQL side of the shared SQL store; `schema` is where `migrate` creates the tables. */
export function createPostgresDialect(options: { schema?: string | undefined } = {}): SqlDialect {
  return {
    name: "postgres",

    encodeJson,
    decodeJson(raw) {
      // node-postgres parses json and jsonb; text only arrives here from a cast in hand-written SQL.
      return typeof raw === "string" ? JSON.parse(raw) : raw;
    },
    encodeBool(value) {
      return value;
    },
    decodeBool(raw) {
      if (typeof raw === "string") return raw === "t" || raw === "true" || raw === "1";
      return Boolean(raw);
    },
    encodeTimestamp(iso) {
      const time = Date.parse(iso);
      if (Number.isNaN(time)) throw new ReverieError("invalid_argument", `invalid timestamp: ${iso}`);
      return new Date(time).toISOString();
    },
    decodeTimestamp(raw) {
      const date = raw instanceof Date ? raw : new Date(String(raw));
      return date.toISOString();
    },

    containsInsensitive(value, needle) {
      return sql<boolean>`(strpos(lower(${value}), lower(${needle}::text)) > 0)`;
    },
    jsonArrayContains(array, element) {
      return sql<boolean>`(${array} @> ${JSON.stringify([element])}::jsonb)`;
    },
    // Both forms are answered by the GIN index on `passages.tags` (migration 0005), whose statistics
    // also give the planner the selectivity it needs to choose between the HNSW index with filtering
    // and an exact scan of the tagged rows.
    passageTagsMatch(column, tags, mode) {
      return mode === "all"
        ? sql<boolean>`(${column} @> ${encodeJson(tags)}::jsonb)`
        : sql<boolean>`(${column} ?| ${[...tags]}::text[])`;
    },
    isUniqueViolation(error) {
      return (
        typeof error === "object" && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
      );
    },

    writePassageVectors,
    deletePassageVectors,
    readPassageVectors,
    searchPassageVectors,
    writeMessageVectors: (db, items) => writePassageVectors(db, items, MESSAGE_VECTORS),
    deleteMessageVectors: (db, items) => deletePassageVectors(db, items, MESSAGE_VECTORS),
    searchMessageVectors,
    searchPassageText,
    searchMessageText,

    lockForClaim(query) {
      return query.forUpdate().skipLocked() as typeof query;
    },

    async migrate(db) {
      await migratePostgres(db, { schema: options.schema });
    },
  };
}
