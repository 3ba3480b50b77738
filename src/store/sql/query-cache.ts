import { type Compilable, CompiledQuery, type Insertable, type Updateable } from "kysely";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb, SqlDialect } from "./dialect.js";
import type { Database, RunsTable } from "./tables.js";

/**
 * Compiled SQL reused across runs of the statements an agent turn makes. Building a query with Kysely
 * and compiling it costs more CPU than running most of ours (about 0.1-0.2 ms a statement, a turn
 * makes 16-18), yet their SQL only depends on their shape: which table, which columns, how many ids.
 * So each shape is built and compiled once per dialect, with a marker in place of each value, and later
 * runs hand the cached SQL its values in the order the markers took.
 */

/** One compiled shape: its SQL and, for each of its parameters, which value goes there. */
interface CompiledShape {
  sql: string;
  order: readonly number[];
}

/** Shapes kept; past this many (many distinct `IN` list lengths) the cache starts over. */
const CAPACITY = 500;
/**
 * Queries with more values are compiled each time and not kept: long `IN` lists (a window of
 * thousands of messages) come in many lengths, and their SQL would only fill the cache.
 */
const MAX_CACHED_VALUES = 100;
const shapes = new Map<string, CompiledShape>();

/** The marker standing for value `index` while a shape is compiled (a string no value of ours is). */
const marker = (index: number) => `\u0000reverie-parameter-${index}\u0000`;

/**
 * Runs the query `build` makes from `values`, compiling it only the first time this dialect sees
 * `shape`. `build` is called with markers in place of the values (with the values themselves past
 * {@link MAX_CACHED_VALUES}) and must pass every value it uses as a parameter; the SQL it builds must depend on `shape` alone (the caller puts in `shape` whatever
 * changes the SQL: the columns, the length of an `IN` list).
 */
export async function runCached<Row>(
  db: SqlDb,
  dialect: SqlDialect,
  shape: string,
  values: readonly unknown[],
  build: (parameters: readonly unknown[]) => Compilable<Row>,
): Promise<Row[]> {
  if (values.length > MAX_CACHED_VALUES) return (await db.executeQuery(build(values).compile())).rows;
  const key = `${dialect.name}\u0000${shape}`;
  let compiled = shapes.get(key);
  if (compiled === undefined) {
    compiled = compileShape(shape, values.length, build);
    if (shapes.size >= CAPACITY) shapes.clear();
    shapes.set(key, compiled);
  }
  const parameters = compiled.order.map((index) => values[index]);
  const result = await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
  return result.rows;
}

function compileShape(
  shape: string,
  count: number,
  build: (parameters: readonly unknown[]) => Compilable<unknown>,
): CompiledShape {
  const markers = Array.from({ length: count }, (_, index) => marker(index));
  const query = build(markers).compile();
  const order = query.parameters.map((parameter) => markers.indexOf(parameter as string));
  // A value built into the query rather than passed as a marker would be frozen into the cache.
  if (order.includes(-1) || markers.some((text) => query.sql.includes(text))) {
    throw new Error(`query shape ${shape}: every value must be a parameter given through the markers`);
  }
  return { sql: query.sql, order };
}

/** How many shapes are cached (tests). */
export function cachedShapeCount(): number {
  return shapes.size;
}

/** A table the cached writes below address; the casts name one table as far as the types go. */
type TableName = keyof Database;

/** Inserts one row (its defined columns make the shape), returning `returning` of it when given. */
export async function insertRow(
  db: SqlDb,
  dialect: SqlDialect,
  table: TableName,
  row: Readonly<Record<string, unknown>>,
  returning?: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  const columns = Object.keys(row).filter((column) => row[column] !== undefined);
  const shape = `insert ${table} (${columns.join(",")}) returning (${returning?.join(",") ?? ""})`;
  return runCached<Record<string, unknown>>(
    db,
    dialect,
    shape,
    columns.map((column) => row[column]),
    (parameters) => {
      const values = Object.fromEntries(columns.map((column, index) => [column, parameters[index]]));
      const insert = db.insertInto(table as "runs").values(values as Insertable<RunsTable>);
      return (
        returning === undefined ? insert : insert.returning(returning as ReadonlyArray<keyof RunsTable>)
      ) as Compilable<Record<string, unknown>>;
    },
  );
}

/**
 * Sets `set` (at least one column) on the row with `id` of the current organization; returns the
 * updated row when `returnRow`, else undefined (as it does when there is no such row).
 */
export async function updateRowById(
  db: SqlDb,
  dialect: SqlDialect,
  table: TableName,
  id: string,
  set: Readonly<Record<string, unknown>>,
  returnRow: boolean,
): Promise<Record<string, unknown> | undefined> {
  const columns = Object.keys(set).filter((column) => set[column] !== undefined);
  const shape = `update ${table} set (${columns.join(",")}) by id${returnRow ? " returning *" : ""}`;
  const rows = await runCached<Record<string, unknown>>(
    db,
    dialect,
    shape,
    [...columns.map((column) => set[column]), id, currentOrganization()],
    (parameters) => {
      const values = Object.fromEntries(columns.map((column, index) => [column, parameters[index]]));
      const update = db
        .updateTable(table as "runs")
        .set(values as Updateable<RunsTable>)
        .where("id", "=", parameters[columns.length] as string)
        .where("organization_id", "=", parameters[columns.length + 1] as string);
      return (returnRow ? update.returningAll() : update) as Compilable<Record<string, unknown>>;
    },
  );
  return rows[0];
}
