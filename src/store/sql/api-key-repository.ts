import type { Insertable } from "kysely";
import type { ApiKey, ApiKeyRecord } from "../../domain/index.js";
import type { ApiKeyRepository } from "../store.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import type { SqlContext } from "./sql-context.js";
import type { ApiKeysTable } from "./tables.js";

const API_KEY_COLUMNS: ColumnKinds = {
  id: "plain",
  organization_id: "plain",
  name: "plain",
  prefix: "plain",
  is_admin: "bool",
  created_at: "timestamp",
  expires_at: "timestamp",
  revoked_at: "timestamp",
  last_used_at: "timestamp",
};

const RECORD_COLUMNS: ColumnKinds = { ...API_KEY_COLUMNS, hash: "plain" };

/** API keys of every organization: they decide a request's organization, so they live outside any. */
export function createApiKeyRepository(context: SqlContext): ApiKeyRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(API_KEY_COLUMNS, row as Record<string, unknown>, dialect) as ApiKey;

  return {
    async create(key) {
      await db
        .insertInto("api_keys")
        .values(encodeColumns(RECORD_COLUMNS, key, dialect) as Insertable<ApiKeysTable>)
        .execute();
      const { hash: _hash, ...listed } = key;
      return listed;
    },

    async get(id) {
      const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async findByHash(hash) {
      const row = await db.selectFrom("api_keys").selectAll().where("hash", "=", hash).executeTakeFirst();
      if (row === undefined) return undefined;
      return decodeColumns(RECORD_COLUMNS, row as Record<string, unknown>, dialect) as ApiKeyRecord;
    },

    async list(query = {}) {
      let select = db.selectFrom("api_keys").selectAll();
      if (query.organization_id !== undefined)
        select = select.where("organization_id", "=", query.organization_id);
      const rows = await listPage(db, select, query, byCreation("api_keys"), "asc");
      return rows.map(decode);
    },

    async revoke(id, now) {
      const stamp = dialect.encodeTimestamp(now);
      await db
        .updateTable("api_keys")
        .set({ revoked_at: stamp })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .execute();
      const row = await db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async touch(id, now) {
      await db
        .updateTable("api_keys")
        .set({ last_used_at: dialect.encodeTimestamp(now) })
        .where("id", "=", id)
        .execute();
    },

    async any() {
      const row = await db.selectFrom("api_keys").select("id").limit(1).executeTakeFirst();
      return row !== undefined;
    },
  };
}
