import { type SqlBool, sql, type Updateable } from "kysely";
import type { Clock, IdGenerator } from "../../domain/index.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb, SqlDialect } from "./dialect.js";
import { type ColumnKinds, encodeColumns } from "./row-codec.js";
import type { ArchivesTable } from "./tables.js";

/** What every shared repository is built on: a Kysely handle (root or transaction) and its dialect. */
export interface SqlContext {
  readonly db: SqlDb;
  readonly dialect: SqlDialect;
  /** Supplies `updated_at` when a patch does not carry one. */
  readonly clock: Clock;
  /** Makes ids of rows the store creates itself (block revisions). */
  readonly ids: IdGenerator;
}

/** The current time as stored (ISO-8601 UTC with milliseconds). */
export function nowIso(context: SqlContext): string {
  return context.clock.now().toISOString();
}

/** A count as the driver returns it (number, bigint or numeric string) as a number. */
export function toCount(raw: unknown): number {
  return raw === undefined || raw === null ? 0 : Number(raw);
}

/** A condition no row satisfies: what `column in ()` (an empty list, invalid SQL) should mean. */
export const matchesNothing = sql<SqlBool>`1 = 0`;

/** Tenant tables whose rows carry `updated_at` and are patched by id. */
type StampedTable = "archives" | "conversations" | "files" | "sources";

/**
 * Applies a patch to the row with `id` of the current organization, stamping `updated_at` unless the patch sets it, and returns the
 * updated row in the same statement (undefined when there is no such row).
 */
export async function updateStamped(
  context: SqlContext,
  table: StampedTable,
  columns: ColumnKinds,
  id: string,
  patch: { updated_at?: string | undefined },
): Promise<Record<string, unknown> | undefined> {
  const values = { ...patch, updated_at: patch.updated_at ?? nowIso(context) };
  // One table at a time as far as the types go: every stamped table has `id` and `updated_at`.
  const row = await context.db
    .updateTable(table as "archives")
    .set(encodeColumns(columns, values, context.dialect) as Updateable<ArchivesTable>)
    .where("id", "=", id)
    .where("organization_id", "=", currentOrganization())
    .returningAll()
    .executeTakeFirst();
  return row as Record<string, unknown> | undefined;
}
