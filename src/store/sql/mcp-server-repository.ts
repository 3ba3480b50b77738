import type { Insertable, Updateable } from "kysely";
import { type McpServerRecord, ReverieError } from "../../domain/index.js";
import type { McpServerRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import type { McpServersTable } from "./tables.js";

const MCP_SERVER_COLUMNS: ColumnKinds = {
  id: "plain",
  server_name: "plain",
  mcp_server_type: "plain",
  server_url: "plain",
  auth_header: "plain",
  command: "plain",
  args: "json",
  secrets_sealed: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** MCP servers of the current organization, unique by name within it. */
export function createMcpServerRepository(context: SqlContext): McpServerRepository {
  const { db, dialect } = context;
  const encode = (values: Partial<McpServerRecord>) => encodeColumns(MCP_SERVER_COLUMNS, values, dialect);
  const decode = (row: object) =>
    decodeColumns(MCP_SERVER_COLUMNS, row as Record<string, unknown>, dialect) as McpServerRecord;
  const nameConflict = (name: string | undefined, cause: unknown) =>
    new ReverieError("conflict", `An MCP server named '${name}' already exists`, { cause });
  const scoped = () => db.selectFrom("mcp_servers").where("organization_id", "=", currentOrganization());

  return {
    async create(server) {
      try {
        await db
          .insertInto("mcp_servers")
          .values({
            ...encode(server),
            organization_id: currentOrganization(),
          } as Insertable<McpServersTable>)
          .execute();
      } catch (error) {
        if (dialect.isUniqueViolation(error)) throw nameConflict(server.server_name, error);
        throw error;
      }
      return server;
    },

    async get(id) {
      const row = await scoped().selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async getByName(serverName) {
      const row = await scoped().selectAll().where("server_name", "=", serverName).executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list() {
      const rows = await scoped().selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(decode);
    },

    async update(id, patch) {
      const values = encode({ ...patch, updated_at: patch.updated_at ?? nowIso(context) });
      try {
        const row = await db
          .updateTable("mcp_servers")
          .set(values as Updateable<McpServersTable>)
          .where("id", "=", id)
          .where("organization_id", "=", currentOrganization())
          .returningAll()
          .executeTakeFirst();
        return row === undefined ? undefined : decode(row);
      } catch (error) {
        if (dialect.isUniqueViolation(error)) throw nameConflict(patch.server_name, error);
        throw error;
      }
    },

    async delete(id) {
      const result = await db
        .deleteFrom("mcp_servers")
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
