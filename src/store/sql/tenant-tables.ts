import { type RawBuilder, type SqlBool, sql } from "kysely";
import { notFound } from "../../domain/index.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";

/**
 * The tenant tables that existed when tenancy came (migration 0006 adds `organization_id` to exactly
 * these). Frozen: tables made later are created with the column.
 */
export const TENANT_TABLES_AT_TENANCY = [
  "agents",
  "blocks",
  "block_revisions",
  "tools",
  "archives",
  "passages",
  "sources",
  "files",
  "conversations",
  "runs",
  "steps",
  "messages",
  "groups",
  "identities",
  "jobs",
] as const;

/**
 * Tables whose rows belong to one organization (an `organization_id` column, filtered by every
 * repository). Link tables (`blocks_agents`, `files_agents`...) have none: they are reached through the
 * rows they link, which are checked. A new table holding tenant data joins this list.
 */
export const TENANT_TABLES = [...TENANT_TABLES_AT_TENANCY, "mcp_servers"] as const;

export type TenantTable = (typeof TENANT_TABLES)[number];

const tenantTables: ReadonlySet<string> = new Set(TENANT_TABLES);

/** Whether `table` has an `organization_id` column its queries must filter on. */
export function isTenantTable(table: string): table is TenantTable {
  return tenantTables.has(table);
}

/**
 * `EXISTS (the row `id` of `table` belongs to `organization`)`: an uncorrelated test the database runs
 * once per statement, for statements on link tables (attachments, views) that carry no organization.
 */
export function rowInOrganization(table: TenantTable, id: string, organization: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from ${sql.table(table)} where id = ${id} and organization_id = ${organization})`;
}

/**
 * Throws `notFound` for the first of `ids` that is not a row of `table` in the current organization:
 * links (identities to agents, group members) may only join rows of one organization.
 */
export async function requireInOrganization(
  db: SqlDb,
  table: TenantTable,
  ids: readonly string[],
  entity: string,
): Promise<void> {
  if (ids.length === 0) return;
  const unique = [...new Set(ids)];
  const result = await sql<{ id: string }>`select id from ${sql.table(table)}
    where id in (${sql.join(unique)}) and organization_id = ${currentOrganization()}`.execute(db);
  const found = new Set(result.rows.map((row) => row.id));
  const missing = unique.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound(entity, missing);
}
