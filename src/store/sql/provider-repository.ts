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
    last_synced: null,
  });
  /** The rows with when each was last refreshed (one query for the page). */
  const withSyncs = async (rows: ProvidersTable[]): Promise<StoredProvider[]> => {
    if (rows.length === 0) return [];
    const syncs = await db
      .selectFrom("provider_syncs")
      .select(["provider_id", "synced_at"])
      .where("organization_id", "=", currentOrganization())
      .where(
        "provider_id",
        "in",
        rows.map((row) => row.id),
      )
      .execute();
    const syncedAt = new Map(
      syncs.map((sync) => [sync.provider_id, dialect.decodeTimestamp(sync.synced_at)]),
    );
    return rows.map((row) => ({ ...decode(row), last_synced: syncedAt.get(row.id) ?? null }));
  };
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
            id: provider.id,
            name: provider.name,
            provider_type: provider.provider_type,
            api_key_enc: provider.api_key_enc,
            base_url: provider.base_url,
            access_key_enc: provider.access_key_enc,
            region: provider.region,
            api_version: provider.api_version,
            organization_id: currentOrganization(),
            created_at: dialect.encodeTimestamp(provider.created_at),
            updated_at: dialect.encodeTimestamp(provider.updated_at),
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
      return row === undefined ? undefined : (await withSyncs([row]))[0];
    },

    async list(query = {}) {
      let select = db
        .selectFrom("providers")
        .selectAll()
        .where("organization_id", "=", currentOrganization());
      if (query.name !== undefined) select = select.where("name", "=", query.name);
      if (query.provider_type !== undefined) select = select.where("provider_type", "=", query.provider_type);
      const rows = await listPage(db, select, query, byCreation("providers"), "asc");
      return withSyncs(rows as ProvidersTable[]);
    },

    async update(id, patch) {
      const { last_synced: syncedAt, ...columns } = patch;
      const values: Record<string, unknown> = {
        ...columns,
        updated_at: columns.updated_at ?? nowIso(context),
      };
      values.updated_at = dialect.encodeTimestamp(values.updated_at as string);
      const row = await db
        .updateTable("providers")
        .set(values as Updateable<ProvidersTable>)
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      if (typeof syncedAt === "string") {
        const synced_at = dialect.encodeTimestamp(syncedAt);
        await db
          .insertInto("provider_syncs")
          .values({ provider_id: id, organization_id: currentOrganization(), synced_at })
          .onConflict((conflict) => conflict.column("provider_id").doUpdateSet({ synced_at }))
          .execute();
      }
      return (await withSyncs([row]))[0];
    },

    async delete(id) {
      await db
        .deleteFrom("provider_syncs")
        .where("provider_id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .execute();
      const result = await db
        .deleteFrom("providers")
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
