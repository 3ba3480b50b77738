import { type Expression, expressionBuilder, type RawBuilder, type SqlBool, sql } from "kysely";
import { ReverieError } from "../../domain/errors.js";
import type { MessageWhere, PassageVectorRef, PassageWhere, SqlDb } from "../sql/dialect.js";
import type { Database } from "../sql/tables.js";

/*
 * Passages (and messages) keep their vector in one untyped `vector` column, so agents with different
 * embedding models share the table. Each dimension d gets a partial HNSW index on the expression `embedding::vector(d)`,
 * restricted to rows whose vector has d dimensions; a search repeats that expression and that predicate
 * word for word so that the planner can use the index. The predicate is on `vector_dims(embedding)`
 * rather than on `embedding_dim` so that the cast in the index can never fail, whatever order the
 * shared code writes the two columns in.
 */

/** pgvector's HNSW limit for `vector`; above it (up to 4000) the index is built on `halfvec`. */
const MAX_VECTOR_INDEX_DIM = 2000;
const MAX_HALFVEC_INDEX_DIM = 4000;
/** pgvector's limit for a stored `vector`. */
const MAX_DIM = 16000;
/** First key of the two-key advisory lock taken while creating an HNSW index ("RVHN"). */
const INDEX_LOCK_NAMESPACE = 0x5256484e;

/** A table with an untyped `embedding vector` column and an integer key: passages or messages. */
export interface VectorSpace {
  readonly table: "passages" | "messages";
  readonly key: "rowid" | "sequence_id";
}

export const PASSAGE_VECTORS: VectorSpace = { table: "passages", key: "rowid" };
export const MESSAGE_VECTORS: VectorSpace = { table: "messages", key: "sequence_id" };

/** The name of the HNSW index of dimension `dim`. */
export function hnswIndexName(dim: number, space: VectorSpace = PASSAGE_VECTORS): string {
  return `${space.table}_embedding_hnsw_${dim}`;
}

function checkedDim(vector: readonly number[]): number {
  const dim = vector.length;
  if (dim < 1 || dim > MAX_DIM) {
    throw new ReverieError("invalid_argument", `embedding must have between 1 and ${MAX_DIM} dimensions`);
  }
  if (!vector.every(Number.isFinite)) {
    throw new ReverieError("invalid_argument", "embedding values must be finite numbers");
  }
  return dim;
}

/** The vector as pgvector's text form (`[1,2,3]`), which is also JSON. */
function vectorText(vector: readonly number[]): string {
  return JSON.stringify(vector);
}

/** `embedding::<type>(dim)`: the indexed expression, spelled exactly as in the index definition. */
function indexedExpression(dim: number, space: VectorSpace): RawBuilder<unknown> {
  const type = dim > MAX_VECTOR_INDEX_DIM ? "halfvec" : "vector";
  return sql.raw(`(${space.table}.embedding::${type}(${dim}))`);
}

function sameDimension(dim: number, space: VectorSpace): RawBuilder<boolean> {
  return sql<boolean>`vector_dims(${sql.raw(space.table)}.embedding) = ${sql.lit(dim)}`;
}

/**
 * Creates the HNSW index of `dim` unless it exists, on `db` (normally the caller's transaction, which
 * may already have written passages). Index creation is serialized per table by a transaction-level
 * advisory lock taken with `pg_try_advisory_xact_lock`: a writer that finds it held skips creating the
 * index and goes on. Waiting for it instead would deadlock, since CREATE INDEX waits in turn for every
 * open transaction that wrote passages. A skipped index is created by a later write of that dimension;
 * until then searches of it scan exactly. The lookup is on the `passages` table the session actually
 * uses, not merely by name on the search path.
 */
export async function ensureHnswIndex(
  db: SqlDb,
  dim: number,
  space: VectorSpace = PASSAGE_VECTORS,
): Promise<void> {
  if (dim > MAX_HALFVEC_INDEX_DIM) return;
  const name = hnswIndexName(dim, space);
  const table = sql.lit(space.table);
  const exists = async (executor: SqlDb): Promise<boolean> => {
    const result = await sql<{ found: number }>`
      SELECT 1 AS found FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = to_regclass(${table}) AND i.relname = ${name}`.execute(executor);
    return result.rows.length > 0;
  };
  if (await exists(db)) return;
  const run = async (tx: SqlDb): Promise<void> => {
    const lock = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(
      ${sql.lit(INDEX_LOCK_NAMESPACE)}, hashtext(to_regclass(${table})::oid::text)) AS locked`.execute(tx);
    if (lock.rows[0]?.locked !== true || (await exists(tx))) return;
    const ops = dim > MAX_VECTOR_INDEX_DIM ? "halfvec_cosine_ops" : "vector_cosine_ops";
    await sql`CREATE INDEX IF NOT EXISTS ${sql.id(name)} ON ${sql.table(space.table)} USING hnsw
      (${indexedExpression(dim, space)} ${sql.raw(ops)}) WHERE ${sameDimension(dim, space)}`.execute(tx);
  };
  await (db.isTransaction ? run(db) : db.transaction().execute(run));
}

/** Stores each vector in its row (and its dimension in `embedding_dim`), creating indexes first. */
export async function writePassageVectors(
  db: SqlDb,
  items: ReadonlyArray<{ rowid: number; vector: readonly number[] }>,
  space: VectorSpace = PASSAGE_VECTORS,
): Promise<void> {
  if (items.length === 0) return;
  const dims = new Set(items.map((item) => checkedDim(item.vector)));
  for (const dim of [...dims].sort((a, b) => a - b)) await ensureHnswIndex(db, dim, space);
  const rowids = items.map((item) => item.rowid);
  const vectors = items.map((item) => vectorText(item.vector));
  const table = sql.table(space.table);
  await sql`
    UPDATE ${table} SET embedding = v.embedding::vector, embedding_dim = vector_dims(v.embedding::vector)
    FROM unnest(${rowids}::bigint[], ${vectors}::text[]) AS v (rowid, embedding)
    WHERE ${sql.ref(`${space.table}.${space.key}`)} = v.rowid`.execute(db);
}

/** Clears the vectors of the given rows; `embedding_dim` is left to the caller. */
export async function deletePassageVectors(
  db: SqlDb,
  items: readonly PassageVectorRef[],
  space: VectorSpace = PASSAGE_VECTORS,
): Promise<void> {
  if (items.length === 0) return;
  const rowids = items.map((item) => item.rowid);
  await sql`UPDATE ${sql.table(space.table)} SET embedding = NULL
    WHERE ${sql.ref(space.key)} = ANY(${rowids}::bigint[])`.execute(db);
}

/** Reads vectors back (pgvector stores float32), keyed by rowid. */
export async function readPassageVectors(
  db: SqlDb,
  items: readonly PassageVectorRef[],
): Promise<Map<number, number[]>> {
  const vectors = new Map<number, number[]>();
  if (items.length === 0) return vectors;
  const rowids = items.map((item) => item.rowid);
  const result = await sql<{ rowid: number | string; embedding: string }>`
    SELECT rowid, embedding::text AS embedding FROM passages
    WHERE rowid = ANY(${rowids}::bigint[]) AND embedding IS NOT NULL`.execute(db);
  for (const row of result.rows) vectors.set(Number(row.rowid), JSON.parse(row.embedding) as number[]);
  return vectors;
}

/**
 * The nearest rows among those of the vector's dimension that satisfy `where`. The filters sit in
 * the same WHERE as the index scan, and pgvector's iterative scan keeps reading the index until `limit`
 * rows pass them (or the planner picks an exact scan when the filters are selective); a result still
 * short of `limit` is redone exactly, so filters always apply before the limit.
 */
async function searchNearest(
  db: SqlDb,
  space: VectorSpace,
  args: { where: Expression<SqlBool>; vector: readonly number[]; limit: number },
): Promise<Array<{ key: number; distance: number }>> {
  const dim = checkedDim(args.vector);
  const limit = Math.max(0, Math.floor(args.limit));
  if (limit === 0) return [];
  const text = vectorText(args.vector);
  const column = sql.ref(`${space.table}.embedding`);
  const query = sql`CAST(${text} AS vector(${sql.lit(dim)}))`;
  const exactDistance = sql<number>`(${column}::vector(${sql.lit(dim)}) <=> ${query})`;
  const indexedDistance =
    dim > MAX_VECTOR_INDEX_DIM
      ? sql`(${indexedExpression(dim, space)} <=> CAST(${text} AS halfvec(${sql.lit(dim)})))`
      : sql`(${indexedExpression(dim, space)} <=> ${query})`;
  // Not the indexed expression, so the planner cannot answer it from an HNSW index: an exact scan.
  const exactOrder = sql`(${column} <=> CAST(${text} AS vector))`;
  const search = async (tx: SqlDb, order: RawBuilder<unknown>) =>
    (
      await sql<{ key: number | string; distance: number | string }>`
        SELECT ${sql.ref(`${space.table}.${space.key}`)} AS key, ${exactDistance} AS distance
        FROM ${sql.table(space.table)}
        WHERE ${args.where} AND ${sameDimension(dim, space)}
        ORDER BY ${order} LIMIT ${sql.lit(limit)}`.execute(tx)
    ).rows;
  const run = async (tx: SqlDb) => {
    // ef_search bounds the candidate list of one index pass; relaxed_order lets the scan go on past it
    // when filters reject candidates, and the rows are re-sorted below.
    await sql`SELECT set_config('hnsw.ef_search', ${String(Math.min(1000, Math.max(100, limit * 2)))}, true),
      set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(tx);
    const approximate = await search(tx, indexedDistance);
    if (approximate.length >= limit) return approximate;
    // Short of the limit: either fewer rows match, or the HNSW graph left matching rows unreachable
    // (it can split into islands, for example around mutually orthogonal clusters). An exact scan of
    // the matching rows settles it; it only runs when the result would otherwise be short.
    return search(tx, exactOrder);
  };
  const rows = await (db.isTransaction ? run(db) : db.transaction().execute(run));
  return rows
    .map((row) => ({ key: Number(row.key), distance: Number(row.distance) }))
    .sort((a, b) => sortable(a.distance) - sortable(b.distance) || a.key - b.key);
}

/** The nearest passages among those of the vector's dimension that satisfy `where`. */
export async function searchPassageVectors(
  db: SqlDb,
  args: { where: PassageWhere; vector: readonly number[]; limit: number },
): Promise<Array<{ rowid: number; distance: number }>> {
  const where = args.where(expressionBuilder<Database, "passages">());
  const hits = await searchNearest(db, PASSAGE_VECTORS, { ...args, where });
  return hits.map((hit) => ({ rowid: hit.key, distance: hit.distance }));
}

/** The nearest messages among those of the vector's dimension that satisfy `where`. */
export async function searchMessageVectors(
  db: SqlDb,
  args: { where: MessageWhere; vector: readonly number[]; limit: number },
): Promise<Array<{ sequence_id: number; distance: number }>> {
  const where = args.where(expressionBuilder<Database, "messages">());
  const hits = await searchNearest(db, MESSAGE_VECTORS, { ...args, where });
  return hits.map((hit) => ({ sequence_id: hit.key, distance: hit.distance }));
}

/** A zero vector has no direction: its cosine distance is NaN, which sorts last (as in PostgreSQL). */
function sortable(distance: number): number {
  return Number.isNaN(distance) ? Number.POSITIVE_INFINITY : distance;
}
