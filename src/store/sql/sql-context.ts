import { type SqlBool, sql } from "kysely";
import type { Clock, IdGenerator } from "../../domain/index.js";
import type { SqlDb, SqlDialect } from "./dialect.js";

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
