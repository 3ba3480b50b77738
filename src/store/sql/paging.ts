import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import type { PageQuery, SortOrder } from "../../domain/index.js";
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
  /**
   * What `after` and `before` mean: the next and previous items in the requested order (`order`, most
   * of Letta's lists), or always newer and older whatever the order (`time`, Letta's message lists).
   */
  direction?: "order" | "time";
}

/** Items ordered by (created_at, id): the default of most lists. */
export function byCreation(table: string): CursorSpec {
  return { table, keys: ["created_at", "id"] };
}

/**
 * Runs a list query with Letta cursor paging and returns its rows, ordered by the spec's keys in
 * `page.order` (else `defaultOrder`), within the bounds the cursors set (see {@link CursorSpec.direction}),
 * at most `page.limit` of them. With one cursor the page is the `limit` items closest to it, still in the
 * requested order, so that a client paging away from either end visits every item. A cursor that names
 * no row is ignored, as Letta does (a deleted item must not break a client's paging loop); lists where
 * Letta answers 404 check their cursors before calling this.
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
  // In key order (ascending): `after` is a lower bound when it means "newer" or the order is ascending.
  const afterIsLower = spec.direction === "time" || order === "asc";
  const lowerId = afterIsLower ? page.after : page.before;
  const upperId = afterIsLower ? page.before : page.after;
  const lower = lowerId === undefined ? undefined : await cursorValues(db, spec, lowerId);
  const upper = upperId === undefined ? undefined : await cursorValues(db, spec, upperId);
  let paged = query;
  if (lower !== undefined) paged = paged.where(keysetBound(keyRefs, lower, ">"));
  if (upper !== undefined) paged = paged.where(keysetBound(keyRefs, upper, "<"));
  const oneBound = (lower === undefined) !== (upper === undefined) && page.limit !== undefined;
  const scanAscending = oneBound ? lower !== undefined : order === "asc";
  for (const ref of keyRefs) paged = paged.orderBy(ref, scanAscending ? "asc" : "desc");
  if (page.limit !== undefined) paged = paged.limit(Math.max(0, page.limit));
  const rows = await paged.execute();
  return scanAscending === (order === "asc") ? rows : rows.reverse();
}

/** The sort key values of the row a cursor names; undefined when it names none. */
async function cursorValues(db: SqlDb, spec: CursorSpec, id: string): Promise<unknown[] | undefined> {
  const columns = sql.join(spec.keys.map((key) => sql.ref(key)));
  const idColumn = sql.ref(spec.idColumn ?? "id");
  // Another organization's row is no cursor of this list (its position is not the caller's business).
  const scope = isTenantTable(spec.table) ? sql` and organization_id = ${currentOrganization()}` : sql``;
  const result = await sql<
    Record<string, unknown>
  >`select ${columns} from ${sql.table(spec.table)} where ${idColumn} = ${id}${scope}`.execute(db);
  const row = result.rows[0];
  return row === undefined ? undefined : spec.keys.map((key) => row[key]);
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
