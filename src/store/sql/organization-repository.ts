import type { Insertable } from "kysely";
import type { Organization } from "../../domain/index.js";
import type { OrganizationRepository } from "../store.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import type { OrganizationsTable } from "./tables.js";

const ORGANIZATION_COLUMNS: ColumnKinds = {
  id: "plain",
  name: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** The organizations themselves: administration, outside any organization's scope. */
export function createOrganizationRepository(context: SqlContext): OrganizationRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(ORGANIZATION_COLUMNS, row as Record<string, unknown>, dialect) as Organization;

  return {
    async create(organization) {
      await db
        .insertInto("organizations")
        .values(encodeColumns(ORGANIZATION_COLUMNS, organization, dialect) as Insertable<OrganizationsTable>)
        .execute();
      return organization;
    },

    async get(id) {
      const row = await db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list(page = {}) {
      const rows = await listPage(
        db,
        db.selectFrom("organizations").selectAll(),
        page,
        byCreation("organizations"),
        "asc",
      );
      return rows.map(decode);
    },

    async update(id, patch) {
      const values = { ...patch, updated_at: patch.updated_at ?? nowIso(context) };
      const row = await db
        .updateTable("organizations")
        .set(encodeColumns(ORGANIZATION_COLUMNS, values, dialect))
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },
  };
}
