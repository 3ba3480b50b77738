import { type Expression, sql } from "kysely";
import { ReverieError } from "../../domain/index.js";
import type { MessageWhere, PassageVectorRef, PassageWhere, SqlDb } from "../sql/dialect.js";
import type { PassageFilter } from "../store.js";

/** sqlite-vec's ceiling on a vector's dimension. */
const MAX_DIMENSION = 8192;
/** sqlite-vec's ceiling on k in a KNN query. */
const MAX_K = 4096;

/**
 * A family of vec0 tables, one per dimension, holding the vectors of one table's rows keyed by its
 * integer key: passages by `rowid`, messages by `sequence_id`. Both keys are AUTOINCREMENT, so a vector
 * left behind by a deleted row can never be matched to a new one.
 */
export interface VectorSpace {
  /** Prefix of the per-dimension vec0 tables (`passage_vec` gives `passage_vec_384`). */
  readonly prefix: string;
  /**
   * The table whose rows own the vectors, when a trigger should drop a row's vector as the row is
   * deleted: messages go with their agent, in code that knows nothing of vectors. (Passages are
   * deleted through code that removes their vectors itself.)
   */
  readonly owner?: { table: string; key: string };
}

export const PASSAGE_VECTORS: VectorSpace = { prefix: "passage_vec" };
export const MESSAGE_VECTORS: VectorSpace = {
  prefix: "message_vec",
  owner: { table: "messages", key: "sequence_id" },
};

/** The vec0 table holding the vectors of one dimension. */
export function vectorTable(dim: number, space: VectorSpace = PASSAGE_VECTORS): string {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIMENSION) {
    throw new ReverieError("invalid_argument", `Unsupported embedding dimension ${dim}`);
  }
  return `${space.prefix}_${dim}`;
}

/** A vector as sqlite-vec reads it: little-endian float32 bytes. */
function toBlob(vector: readonly number[]): Buffer {
  return Buffer.from(new Float32Array(vector).buffer);
}

function fromBlob(blob: Uint8Array): number[] {
  const copy = new Uint8Array(blob); // aligned copy: a Buffer may start at any byte offset
  return Array.from(new Float32Array(copy.buffer, 0, copy.byteLength / 4));
}

async function tableExists(db: SqlDb, table: string): Promise<boolean> {
  const result = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  return result.rows.length > 0;
}

/** Splits bound-parameter lists well under SQLite's limit. */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function groupByDimension<T extends { dim: number }>(items: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(item.dim);
    if (group === undefined) groups.set(item.dim, [item]);
    else group.push(item);
  }
  return groups;
}

/** Upserts vectors into `<prefix>_<dim>` (created on first use, cosine distance), keyed by rowid. */
export async function writeVectors(
  db: SqlDb,
  items: ReadonlyArray<{ rowid: number; vector: readonly number[] }>,
  space: VectorSpace = PASSAGE_VECTORS,
): Promise<void> {
  const byDim = groupByDimension(items.map((item) => ({ ...item, dim: item.vector.length })));
  for (const [dim, group] of byDim) {
    const table = sql.table(vectorTable(dim, space));
    // Not cached: a rolled-back transaction would also roll back the CREATE.
    await sql`create virtual table if not exists ${table} using vec0(embedding float[${sql.raw(String(dim))}] distance_metric=cosine)`.execute(
      db,
    );
    if (space.owner !== undefined) {
      const trigger = sql.id(`${vectorTable(dim, space)}_owner_delete`);
      await sql`create trigger if not exists ${trigger} after delete on ${sql.table(space.owner.table)}
        when old.embedding_dim = ${sql.lit(dim)}
        begin delete from ${table} where rowid = old.${sql.id(space.owner.key)}; end`.execute(db);
    }
    // vec0 has no upsert, and wants its rowids bound as integers (a JS number binds as REAL). It deletes
    // `rowid = ?` by a point lookup but `rowid IN (...)` by scanning every vector, which made bulk
    // inserts slow down as the table grew: delete one row per statement.
    for (const batch of chunks(group, 200)) {
      for (const item of batch) {
        await sql`delete from ${table} where rowid = ${BigInt(item.rowid)}`.execute(db);
      }
      const rows = batch.map((item) => sql`(${BigInt(item.rowid)}, ${toBlob(item.vector)})`);
      await sql`insert into ${table} (rowid, embedding) values ${sql.join(rows)}`.execute(db);
    }
  }
}

/** Removes vectors from the tables of their dimensions. */
export async function deleteVectors(
  db: SqlDb,
  items: readonly PassageVectorRef[],
  space: VectorSpace = PASSAGE_VECTORS,
): Promise<void> {
  for (const [dim, group] of groupByDimension(items)) {
    const name = vectorTable(dim, space);
    if (!(await tableExists(db, name))) continue;
    // One statement per row: vec0 scans every vector for `rowid IN (...)` (see writeVectors).
    for (const item of group) {
      await sql`delete from ${sql.table(name)} where rowid = ${BigInt(item.rowid)}`.execute(db);
    }
  }
}

/** Reads vectors back as float32-rounded number arrays, keyed by rowid. */
export async function readVectors(
  db: SqlDb,
  items: readonly PassageVectorRef[],
): Promise<Map<number, number[]>> {
  const vectors = new Map<number, number[]>();
  for (const [dim, group] of groupByDimension(items)) {
    const name = vectorTable(dim);
    if (!(await tableExists(db, name))) continue;
    // vec0 answers `rowid = ?` by a point lookup but `rowid IN (...)` (or a compound of `=`) by scanning
    // every vector (20 ms for 30 rows of 20k): read vectors one statement each.
    for (const item of group) {
      const result = await sql<{ rowid: number; embedding: Uint8Array }>`
        select rowid, embedding from ${sql.table(name)} where rowid = ${BigInt(item.rowid)}`.execute(db);
      for (const row of result.rows) vectors.set(Number(row.rowid), fromBlob(row.embedding));
    }
  }
  return vectors;
}

/**
 * Exact k-nearest search in the table of `vector.length`. The filter goes into vec0's `rowid IN (...)`
 * constraint, which sqlite-vec applies while scanning, before keeping the k best: a selective filter
 * still yields `limit` results whenever that many rows match.
 */
async function nearest(
  db: SqlDb,
  args: {
    space: VectorSpace;
    /** The rows to search; undefined: every row of the table. */
    candidates: Expression<unknown> | undefined;
    vector: readonly number[];
    limit: number;
  },
): Promise<Array<{ rowid: number; distance: number }>> {
  const name = vectorTable(args.vector.length, args.space);
  if (args.limit <= 0 || !(await tableExists(db, name))) return [];
  const filter = args.candidates === undefined ? sql`` : sql`and rowid in (${args.candidates})`;
  const result = await sql<{ rowid: number; distance: number }>`
    select rowid, distance from ${sql.table(name)}
    where embedding match ${toBlob(args.vector)} and k = ${Math.min(args.limit, MAX_K)} ${filter}
    order by distance`.execute(db);
  return result.rows.map((row) => ({ rowid: Number(row.rowid), distance: row.distance }));
}

/**
 * True when `filter` keeps every passage: one archive holding them all, none soft-deleted, and nothing
 * else asked. A search can then leave out its `rowid IN (<filter>)` restriction, which keeps every row
 * anyway but costs about half as much again as the search itself (at 100k passages, building and
 * probing a set of 100k rowids: 25 ms for a vector search). Each test is an index probe (min and max
 * read one end of an index), so the check costs well under a millisecond at any size.
 */
export async function coversEveryPassage(db: SqlDb, filter: PassageFilter | undefined): Promise<boolean> {
  if (
    filter === undefined ||
    filter.archive_ids.length !== 1 ||
    filter.source_ids?.length ||
    filter.file_ids?.length ||
    filter.tags?.length ||
    filter.start_date !== undefined ||
    filter.end_date !== undefined
  ) {
    return false;
  }
  const archiveId = filter.archive_ids[0]!;
  const result = await sql<{ low: string | null; high: string | null; other: number; deleted: number }>`
    select (select min(archive_id) from passages) as low, (select max(archive_id) from passages) as high,
      exists (select 1 from passages where archive_id is null) as other,
      exists (select 1 from passages where archive_id = ${archiveId} and is_deleted = 1) as deleted`.execute(
    db,
  );
  const row = result.rows[0];
  return row !== undefined && row.low === archiveId && row.high === archiveId && !row.other && !row.deleted;
}

/**
 * The nearest passages of the vector's dimension that satisfy `where`; without the `rowid IN`
 * restriction when `filter` keeps every passage (the vec0 table holds exactly the vectors of the
 * passages of its dimension, written and deleted with them).
 */
export async function searchVectors(
  db: SqlDb,
  args: { where: PassageWhere; vector: readonly number[]; limit: number; filter?: PassageFilter },
): Promise<Array<{ rowid: number; distance: number }>> {
  const candidates = (await coversEveryPassage(db, args.filter))
    ? undefined
    : db
        .selectFrom("passages")
        .select("passages.rowid")
        .where(args.where)
        .where("passages.embedding_dim", "=", args.vector.length);
  return nearest(db, { ...args, space: PASSAGE_VECTORS, candidates });
}

/** The nearest messages of the vector's dimension that satisfy `where`, keyed by `sequence_id`. */
export async function searchMessageVectors(
  db: SqlDb,
  args: { where: MessageWhere; vector: readonly number[]; limit: number },
): Promise<Array<{ sequence_id: number; distance: number }>> {
  const candidates = db
    .selectFrom("messages")
    .select("messages.sequence_id")
    .where(args.where)
    .where("messages.embedding_dim", "=", args.vector.length);
  const hits = await nearest(db, { ...args, space: MESSAGE_VECTORS, candidates });
  return hits.map((hit) => ({ sequence_id: hit.rowid, distance: hit.distance }));
}
