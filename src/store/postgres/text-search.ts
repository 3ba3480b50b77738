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

/**
 * Most passages one search ranks. Ranking reads each matching row (its tsvector, from a heap row that
 * also holds the vector): about 7 µs a row, so a query matching 40,000 rows took 300-500 ms at 1M
 * passages. With this bound it stays near 15 ms.
 */
const MAX_RANKED = 2000;

/**
 * The query's lexemes that choose the passages to rank: the rarest first, by the column's statistics
 * (`pg_stats.most_common_elems`, kept by ANALYZE; a lexeme missing from them counts as rare), as long
 * as together they are expected to match at most MAX_RANKED passages; the rarest is always kept. A
 * common word adds little to the choice but makes the query match, and rank, much of the table.
 * Without statistics every lexeme is kept.
 */
function selectiveLexemes(queryText: string): RawBuilder<unknown> {
  const byRarity = sql.raw("ORDER BY coalesce(common.freq, 0), words.lexeme");
  return sql`(SELECT string_agg(quote_literal(ranked.lexeme), ' | ')::tsquery
    FROM (
      SELECT words.lexeme, row_number() OVER (${byRarity}) AS position,
        sum(coalesce(common.freq, 0)) OVER (${byRarity}) * greatest(coalesce(
          (SELECT reltuples FROM pg_class WHERE oid = to_regclass('passages')), 0), 0) AS matches
      FROM unnest(tsvector_to_array(to_tsvector('english', ${queryText.replaceAll(" | ", " ")}))) AS words (lexeme)
      LEFT JOIN (
        SELECT elements.elem, elements.freq
        FROM pg_stats AS stats,
          unnest(stats.most_common_elems::text::text[], stats.most_common_elem_freqs) AS elements (elem, freq)
        WHERE stats.schemaname = current_schema() AND stats.tablename = 'passages'
          AND stats.attname = 'text_tsv'
      ) AS common ON common.elem = words.lexeme
    ) AS ranked
    WHERE ranked.position = 1 OR ranked.matches <= ${sql.lit(MAX_RANKED)})`;
}

/**
 * Passages matching `query` among those satisfying `where`, best first. The passages matching its
 * selective lexemes are ranked by all of its words, so a passage having the common ones as well comes
 * first. At most MAX_RANKED of them are ranked: when even the rarest word matches more (every word of
 * the query is common), those the index yields first, and the hybrid search's vector ranking carries
 * such a query.
 */
export async function searchPassageText(
  db: SqlDb,
  args: { where: PassageWhere; query: string; limit: number },
): Promise<Array<{ rowid: number; rank: number }>> {
  const limit = clampLimit(args.limit);
  const queryText = toTsQueryText(args.query);
  if (limit === 0 || queryText === undefined) return [];
  const tsv = sql.ref("passages.text_tsv");
  const matched = db
    .selectFrom("passages")
    .select(["passages.rowid", sql<unknown>`${tsv}`.as("text_tsv")])
    .where(args.where)
    .where(sql<boolean>`${tsv} @@ ${selectiveLexemes(queryText)}`)
    .limit(MAX_RANKED)
    .as("matched");
  const rank = sql<number>`ts_rank_cd(matched.text_tsv, ${tsQuery(queryText)})`;
  const rows = await db
    .selectFrom(matched)
    .select(["matched.rowid", rank.as("rank")])
    .orderBy("rank", "desc")
    .orderBy("matched.rowid", "desc")
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
