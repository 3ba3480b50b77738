import type { Updateable } from "kysely";
import { ReverieError } from "../../domain/index.js";
import type { ProviderRepository, StoredProvider } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import type { ProvidersTable } from "./tables.js";

/** Organizations' own model providers, unique by name within an organization. */
export function createProviderRepository(context: SqlContext): ProviderRepository {
  const { db, dialect } = context;
  const decode = (row: ProvidersTable): StoredProvider => ({
    id: row.id,
    name: row.name,
    provider_type: row.provider_type,
    api_key_enc: row.api_key_enc,
    base_url: row.base_url,
    access_key_enc: row.access_key_enc,
    region: row.region,
    api_version: row.api_version,
    created_at: dialect.decodeTimestamp(row.created_at),
    updated_at: dialect.decodeTimestamp(row.updated_at),
    last_synced: row.last_synced === null ? null : dialect.decodeTimestamp(row.last_synced),
  });
  const getRow = (id: string) =>
    db
      .selectFrom("providers")
      .selectAll()
      .where("id", "=", id)
      .where("organization_id", "=", currentOrganization())
      .executeTakeFirst();

  return {
    async create(provider) {
      try {
        await db
          .insertInto("providers")
          .values({
            ...provider,
            organization_id: currentOrganization(),
            created_at: dialect.encodeTimestamp(provider.created_at),
            updated_at: dialect.encodeTimestamp(provider.updated_at),
            last_synced: provider.last_synced === null ? null : dialect.encodeTimestamp(provider.last_synced),
          })
          .execute();
      } catch (error) {
        if (dialect.isUniqueViolation(error)) {
          throw new ReverieError(
            "conflict",
            `A provider named '${provider.name}' already exists: choose another name, or modify that one`,
            { cause: error },
          );
        }
        throw error;
      }
      return provider;
    },

    async get(id) {
      const row = await getRow(id);
      return row === undefined ? undefined : decode(row);
    },

    async list(query = {}) {
      let select = db
        .selectFrom("providers")
        .selectAll()
        .where("organization_id", "=", currentOrganization());
      if (query.name !== undefined) select = select.where("name", "=", query.name);
      if (query.provider_type !== undefined) select = select.where("provider_type", "=", query.provider_type);
      const rows = await listPage(db, select, query, byCreation("providers"), "asc");
      return (rows as ProvidersTable[]).map(decode);
    },

    async update(id, patch) {
      const values: Record<string, unknown> = { ...patch, updated_at: patch.updated_at ?? nowIso(context) };
      values.updated_at = dialect.encodeTimestamp(values.updated_at as string);
      if (typeof patch.last_synced === "string")
        values.last_synced = dialect.encodeTimestamp(patch.last_synced);
      const row = await db
        .updateTable("providers")
        .set(values as Updateable<ProvidersTable>)
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async delete(id) {
      const result = await db
        .deleteFrom("providers")
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
