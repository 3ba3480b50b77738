import { TENANT_TABLES_AT_TENANCY } from "../sql/tenant-tables.js";
import { DEFAULT_ORGANIZATION_ID } from "../tenancy.js";
import type { PostgresMigration } from "./migrations.js";

const org = `'${DEFAULT_ORGANIZATION_ID}'`;

/**
 * Tenancy: the organizations, and an `organization_id` on every tenant table. Adding a column with a
 * constant default rewrites no row (PostgreSQL 11+), and dropping the default afterwards keeps the
 * existing rows in the default organization while making a write that forgets the column fail loudly.
 * Tool and folder names become unique per organization.
 */
export const TENANCY_MIGRATION: PostgresMigration = {
  name: "0006_tenancy",
  statements: [
    `CREATE TABLE organizations (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL
    )`,
    `INSERT INTO organizations (id, name, created_at, updated_at) VALUES (${org}, 'default', now(), now())`,
    ...TENANT_TABLES_AT_TENANCY.flatMap((table) => [
      `ALTER TABLE ${table} ADD COLUMN organization_id TEXT NOT NULL DEFAULT ${org}`,
      `ALTER TABLE ${table} ALTER COLUMN organization_id DROP DEFAULT`,
    ]),
    "ALTER TABLE tools DROP CONSTRAINT tools_name_key",
    "ALTER TABLE tools ADD CONSTRAINT tools_organization_name_key UNIQUE (organization_id, name)",
    "ALTER TABLE sources DROP CONSTRAINT sources_name_key",
    "ALTER TABLE sources ADD CONSTRAINT sources_organization_name_key UNIQUE (organization_id, name)",
    // Lists page through one organization's rows in creation order.
    ...["agents", "blocks", "tools", "archives", "runs", "steps", "identities", "jobs", "sources"].flatMap(
      (table) => [
        `DROP INDEX ${table}_created_id_idx`,
        `CREATE INDEX ${table}_created_id_idx ON ${table} (organization_id, created_at, id)`,
      ],
    ),
    "CREATE INDEX groups_created_id_idx ON groups (organization_id, created_at, id)",
  ],
};
