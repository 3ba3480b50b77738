import { type RawBuilder, sql } from "kysely";
import type { MessageWhere, PassageWhere, SqlDb } from "../sql/dialect.js";

/*
 * Full-text search over the generated `text_tsv` columns (english configuration, GIN-indexed), with
 * the same query semantics as the SQLite adapter: the words of the user's text (letters and digits),
 * any of which may match, ranked by `ts_rank_cd` so that rows matching more of them come first. Only
 * letters and digits reach `to_tsquery`, so no user text can be a tsquery syntax error.
 */

/** Most words a query keeps; longer text is cut (a search box, not a document). */
const MAX_TERMS = 32;

/** The words of `text` joined as a tsquery disjunction, or undefined when it has none. */
export function toTsQueryText(text: string): string | undefined {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)].slice(0, MAX_TERMS);
  return unique.length === 0 ? undefined : unique.join(" | ");
}

/** A query of stop words only is an empty tsquery, which matches nothing (PostgreSQL logs a notice). */
function tsQuery(queryText: string): RawBuilder<unknown> {
  return sql`to_tsquery('english', ${queryText})`;
}

function clampLimit(limit: number): number {
  return Math.max(0, Math.floor(limit));
}

/** Passages matching `query` among those satisfying `where`, best first. */
export async function searchPassageText(
  db: SqlDb,
  args: { where: PassageWhere; query: string; limit: number },
): Promise<Array<{ rowid: number; rank: number }>> {
  const limit = clampLimit(args.limit);
  const queryText = toTsQueryText(args.query);
  if (limit === 0 || queryText === undefined) return [];
  const rank = sql<number>`ts_rank_cd(passages.text_tsv, ${tsQuery(queryText)})`;
  const rows = await db
    .selectFrom("passages")
    .select(["passages.rowid", rank.as("rank")])
    .where(args.where)
    .where(sql<boolean>`passages.text_tsv @@ ${tsQuery(queryText)}`)
    .orderBy("rank", "desc")
    .orderBy("passages.rowid", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ rowid: Number(row.rowid), rank: positive(row.rank) }));
}

/** Messages matching `query` among those satisfying `where`, best first. */
export async function searchMessageText(
  db: SqlDb,
  args: { where: MessageWhere; query: string; limit: number },
): Promise<Array<{ sequence_id: number; rank: number }>> {
  const limit = clampLimit(args.limit);
  const queryText = toTsQueryText(args.query);
  if (limit === 0 || queryText === undefined) return [];
  const rank = sql<number>`ts_rank_cd(messages.text_tsv, ${tsQuery(queryText)})`;
  const rows = await db
    .selectFrom("messages")
    .select(["messages.sequence_id", rank.as("rank")])
    .where(args.where)
    .where(sql<boolean>`messages.text_tsv @@ ${tsQuery(queryText)}`)
    .orderBy("rank", "desc")
    .orderBy("messages.sequence_id", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ sequence_id: Number(row.sequence_id), rank: positive(row.rank) }));
}

/** The contract wants a positive rank for every match; guard against a 0 from `ts_rank_cd`. */
function positive(rank: unknown): number {
  const value = Number(rank);
  return value > 0 ? value : Number.MIN_VALUE;
}
