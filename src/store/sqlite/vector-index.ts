import { sql } from "kysely";
import { ReverieError } from "../../domain/index.js";
import type { PassageVectorRef, PassageWhere, SqlDb } from "../sql/dialect.js";

/** sqlite-vec's ceiling on a vector's dimension. */
const MAX_DIMENSION = 8192;
/** sqlite-vec's ceiling on k in a KNN query. */
const MAX_K = 4096;

/** The vec0 table holding the vectors of one dimension. */
export function vectorTable(dim: number): string {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIMENSION) {
    throw new ReverieError("invalid_argument", `Unsupported embedding dimension ${dim}`);
  }
  return `passage_vec_${dim}`;
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

/** Upserts vectors into `passage_vec_<dim>` (created on first use, cosine distance), keyed by passage rowid. */
export async function writeVectors(
  db: SqlDb,
  items: ReadonlyArray<{ rowid: number; vector: readonly number[] }>,
): Promise<void> {
  const byDim = groupByDimension(items.map((item) => ({ ...item, dim: item.vector.length })));
  for (const [dim, group] of byDim) {
    const table = sql.table(vectorTable(dim));
    // Not cached: a rolled-back transaction would also roll back the CREATE.
    await sql`create virtual table if not exists ${table} using vec0(embedding float[${sql.raw(String(dim))}] distance_metric=cosine)`.execute(
      db,
    );
    // vec0 has no upsert, and wants its rowids bound as integers (a JS number binds as REAL).
    for (const batch of chunks(group, 200)) {
      const rowids = batch.map((item) => BigInt(item.rowid));
      await sql`delete from ${table} where rowid in (${sql.join(rowids)})`.execute(db);
      const rows = batch.map((item) => sql`(${BigInt(item.rowid)}, ${toBlob(item.vector)})`);
      await sql`insert into ${table} (rowid, embedding) values ${sql.join(rows)}`.execute(db);
    }
  }
}

/** Removes vectors from the tables of their dimensions. */
export async function deleteVectors(db: SqlDb, items: readonly PassageVectorRef[]): Promise<void> {
  for (const [dim, group] of groupByDimension(items)) {
    const name = vectorTable(dim);
    if (!(await tableExists(db, name))) continue;
    for (const rowids of chunks(group.map((item) => BigInt(item.rowid)))) {
      await sql`delete from ${sql.table(name)} where rowid in (${sql.join(rowids)})`.execute(db);
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
    for (const rowids of chunks(group.map((item) => BigInt(item.rowid)))) {
      const result = await sql<{ rowid: number; embedding: Uint8Array }>`
        select rowid, embedding from ${sql.table(name)} where rowid in (${sql.join(rowids)})`.execute(db);
      for (const row of result.rows) vectors.set(Number(row.rowid), fromBlob(row.embedding));
    }
  }
  return vectors;
}

/**
 * Exact k-nearest search in the table of `vector.length`. The filter goes into vec0's `rowid IN (...)`
 * constraint, which sqlite-vec applies while scanning, before keeping the k best: a selective filter
 * still yields `limit` results whenever that many passages match.
 */
export async function searchVectors(
  db: SqlDb,
  args: { where: PassageWhere; vector: readonly number[]; limit: number },
): Promise<Array<{ rowid: number; distance: number }>> {
  const dim = args.vector.length;
  const name = vectorTable(dim);
  if (args.limit <= 0 || !(await tableExists(db, name))) return [];
  const candidates = db
    .selectFrom("passages")
    .select("passages.rowid")
    .where(args.where)
    .where("passages.embedding_dim", "=", dim);
  const result = await sql<{ rowid: number; distance: number }>`
    select rowid, distance from ${sql.table(name)}
    where embedding match ${toBlob(args.vector)} and k = ${Math.min(args.limit, MAX_K)} and rowid in (${candidates})
    order by distance`.execute(db);
  return result.rows.map((row) => ({ rowid: Number(row.rowid), distance: row.distance }));
}
