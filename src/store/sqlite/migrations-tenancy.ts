import { TENANT_TABLES_AT_TENANCY } from "../sql/tenant-tables.js";
import { DEFAULT_ORGANIZATION_ID } from "../tenancy.js";
import type { SqliteMigration } from "./migrations.js";

const timestampColumns = ["created_at TEXT NOT NULL", "updated_at TEXT NOT NULL"];
const timestamps = timestampColumns.join(", ");
const org = `'${DEFAULT_ORGANIZATION_ID}'`;

/**
 * Rebuilds a table whose `name` was unique over the whole database so that it is unique per
 * organization (SQLite cannot drop a column's UNIQUE). Runs with foreign keys off (see
 * `foreignKeysOff`), so dropping the old table leaves the rows that reference it alone; the runner checks
 * every reference before committing.
 */
function rebuildUniquePerOrganization(
  table: string,
  columns: readonly string[],
  indexes: readonly string[],
): string[] {
  const names = columns.map((column) => column.split(" ")[0]).join(", ");
  return [
    `CREATE TABLE ${table}_tenancy (${columns.join(", ")}, organization_id TEXT NOT NULL,
      UNIQUE (organization_id, name))`,
    `INSERT INTO ${table}_tenancy (${names}, organization_id) SELECT ${names}, organization_id FROM ${table}`,
    `DROP TABLE ${table}`,
    `ALTER TABLE ${table}_tenancy RENAME TO ${table}`,
    ...indexes,
  ];
}

/**
 * Tenancy: the organizations, and an `organization_id` on every tenant table, filled with the default
 * organization so that a database made before tenancy keeps everything in it. The column's default
 * only serves the rows that exist; every repository writes the organization explicitly.
 */
export const TENANCY_MIGRATION: SqliteMigration = {
  name: "0006_tenancy",
  foreignKeysOff: true,
  statements: [
    `CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, ${timestamps})`,
    `INSERT INTO organizations (id, name, created_at, updated_at)
      VALUES (${org}, 'default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
    ...TENANT_TABLES_AT_TENANCY.map(
      (table) => `ALTER TABLE ${table} ADD COLUMN organization_id TEXT NOT NULL DEFAULT ${org}`,
    ),
    ...rebuildUniquePerOrganization(
      "tools",
      [
        "id TEXT PRIMARY KEY",
        "name TEXT NOT NULL",
        "description TEXT",
        "tool_type TEXT NOT NULL",
        "source_type TEXT",
        "source_code TEXT",
        "json_schema TEXT",
        "args_json_schema TEXT",
        "tags TEXT NOT NULL DEFAULT '[]'",
        "return_char_limit INTEGER NOT NULL",
        "default_requires_approval INTEGER",
        "enable_parallel_execution INTEGER",
        "pip_requirements TEXT",
        "npm_requirements TEXT",
        "metadata TEXT",
        "project_id TEXT",
        "created_by_id TEXT",
        "last_updated_by_id TEXT",
        ...timestampColumns,
      ],
      ["CREATE INDEX tools_created ON tools (organization_id, created_at, id)"],
    ),
    ...rebuildUniquePerOrganization(
      "sources",
      [
        "id TEXT PRIMARY KEY",
        "name TEXT NOT NULL",
        "description TEXT",
        "instructions TEXT",
        "metadata TEXT",
        "embedding_config TEXT",
        "created_by_id TEXT",
        "last_updated_by_id TEXT",
        ...timestampColumns,
      ],
      ["CREATE INDEX sources_created ON sources (organization_id, created_at, id)"],
    ),
    // Lists page through one organization's rows in creation order.
    ...["agents", "blocks", "archives", "identities", "jobs"].flatMap((table) => [
      `DROP INDEX ${table}_created`,
      `CREATE INDEX ${table}_created ON ${table} (organization_id, created_at, id)`,
    ]),
    "CREATE INDEX runs_created ON runs (organization_id, created_at, id)",
    "CREATE INDEX groups_created ON groups (organization_id, created_at, id)",
    // Keeps the search scope subquery (`rowid IN (passages of these archives)`) index-only.
    "DROP INDEX passages_scope",
    "CREATE INDEX passages_scope ON passages (archive_id, is_deleted, embedding_dim, organization_id)",
  ],
};
