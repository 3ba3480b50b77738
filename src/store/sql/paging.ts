import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import { type PageQuery, ReverieError, type SortOrder } from "../../domain/index.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";
import { isTenantTable } from "./tenant-tables.js";

/** How a list is ordered and how a cursor id is resolved to a position in that order. */
export interface CursorSpec {
  /** The table the listed rows (and the cursor id) come from. */
  table: string;
  /** Sort key columns of `table`, most significant first; the last one must be unique. */
  keys: readonly string[];
  /** The column a cursor names; `id` unless told. */
  idColumn?: string;
}

/** Items ordered by (created_at, id): the default of most lists. */
export function byCreation(table: string): CursorSpec {
  return { table, keys: ["created_at", "id"] };
}

/**
 * Runs a list query with Letta cursor paging and returns its rows: ordered by the spec's keys in
 * `page.order` (else `defaultOrder`), keeping the items after `page.after` and before `page.before` in
 * that order, at most `page.limit` of them. With `before` alone the page is the `limit` items closest to
 * the cursor (still in the requested order), so that a client paging backwards with `before = <first
 * item>` visits every item. An unknown cursor id is an `invalid_argument` error.
 */
export async function listPage<DB, TB extends keyof DB, O>(
  db: SqlDb,
  query: SelectQueryBuilder<DB, TB, O>,
  page: PageQuery,
  spec: CursorSpec,
  defaultOrder: SortOrder = "desc",
): Promise<O[]> {
  const order = page.order ?? defaultOrder;
  const keyRefs = spec.keys.map((key) => sql.ref(`${spec.table}.${key}`));
  let paged = query;
  if (page.after !== undefined) {
    const values = await cursorValues(db, spec, page.after);
    paged = paged.where(keysetBound(keyRefs, values, order === "asc" ? ">" : "<"));
  }
  if (page.before !== undefined) {
    const values = await cursorValues(db, spec, page.before);
    paged = paged.where(keysetBound(keyRefs, values, order === "asc" ? "<" : ">"));
  }
  const fromCursor = page.before !== undefined && page.after === undefined && page.limit !== undefined;
  const scanOrder: SortOrder = fromCursor ? (order === "asc" ? "desc" : "asc") : order;
  for (const ref of keyRefs) paged = paged.orderBy(ref, scanOrder);
  if (page.limit !== undefined) paged = paged.limit(Math.max(0, page.limit));
  const rows = await paged.execute();
  return fromCursor ? rows.reverse() : rows;
}

async function cursorValues(db: SqlDb, spec: CursorSpec, id: string): Promise<unknown[]> {
  const columns = sql.join(spec.keys.map((key) => sql.ref(key)));
  const idColumn = sql.ref(spec.idColumn ?? "id");
  // Another organization's row is no cursor of this list (its position is not the caller's business).
  const scope = isTenantTable(spec.table) ? sql` and organization_id = ${currentOrganization()}` : sql``;
  const result = await sql<
    Record<string, unknown>
  >`select ${columns} from ${sql.table(spec.table)} where ${idColumn} = ${id}${scope}`.execute(db);
  const row = result.rows[0];
  if (row === undefined)
    throw new ReverieError("invalid_argument", `Cursor '${id}' does not name an item of this list`);
  return spec.keys.map((key) => row[key]);
}

/** `(k1, k2, ...) op (v1, v2, ...)` in lexicographic order, spelled out so every dialect can use its indexes. */
export function keysetBound(
  keys: ReadonlyArray<Expression<unknown>>,
  values: readonly unknown[],
  op: ">" | "<",
): Expression<SqlBool> {
  const [key, ...restKeys] = keys;
  const [value, ...restValues] = values;
  if (key === undefined) throw new Error("keysetBound needs at least one key");
  const strict = sql<SqlBool>`${key} ${sql.raw(op)} ${value}`;
  if (restKeys.length === 0) return strict;
  return sql<SqlBool>`(${strict} or (${key} = ${value} and ${keysetBound(restKeys, restValues, op)}))`;
}
