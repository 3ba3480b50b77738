import type { Insertable, Updateable } from "kysely";
import { notFound, ReverieError, type Tool } from "../../domain/index.js";
import type { ToolListQuery, ToolRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { runCached } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { matchesNothing, nowIso, type SqlContext } from "./sql-context.js";
import type { ToolsTable } from "./tables.js";
import { rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const TOOL_COLUMNS: ColumnKinds = {
  id: "plain",
  name: "plain",
  description: "plain",
  tool_type: "plain",
  source_type: "plain",
  source_code: "plain",
  json_schema: "json",
  args_json_schema: "json",
  tags: "json",
  return_char_limit: "number",
  default_requires_approval: "bool",
  enable_parallel_execution: "bool",
  pip_requirements: "json",
  npm_requirements: "json",
  metadata: "json",
  project_id: "plain",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** Tools, unique by name within an organization, and their attachment to agents (`tools_agents`, ordered by `position`). */
export function createToolRepository(context: SqlContext): ToolRepository {
  const { db, dialect } = context;

  // Letta spells the field `metadata_`; the column is `metadata`.
  const encode = (tool: Partial<Tool>) => {
    const { metadata_, ...rest } = tool;
    return encodeColumns(TOOL_COLUMNS, { ...rest, metadata: metadata_ }, dialect);
  };
  const decode = (row: object): Tool => {
    const { metadata, ...rest } = decodeColumns(TOOL_COLUMNS, row as Record<string, unknown>, dialect);
    return { ...rest, metadata_: metadata } as Tool;
  };
  const nameConflict = (name: string | undefined, cause: unknown) =>
    new ReverieError("conflict", `A tool named '${name}' already exists`, { cause });

  const filtered = (query: ToolListQuery) => {
    let select = db.selectFrom("tools").where("tools.organization_id", "=", currentOrganization());
    if (query.name !== undefined) select = select.where("tools.name", "=", query.name);
    if (query.names !== undefined) {
      select =
        query.names.length === 0
          ? select.where(matchesNothing)
          : select.where("tools.name", "in", query.names);
    }
    if (query.ids !== undefined) {
      select =
        query.ids.length === 0 ? select.where(matchesNothing) : select.where("tools.id", "in", query.ids);
    }
    if (query.tool_types !== undefined) {
      select =
        query.tool_types.length === 0
          ? select.where(matchesNothing)
          : select.where("tools.tool_type", "in", query.tool_types);
    }
    if (query.exclude_tool_types !== undefined && query.exclude_tool_types.length > 0) {
      select = select.where("tools.tool_type", "not in", query.exclude_tool_types);
    }
    if (query.search) {
      const text = query.search;
      select = select.where((eb) => dialect.containsInsensitive(eb.ref("tools.name"), text));
    }
    return select;
  };

  return {
    async create(tool) {
      try {
        await db
          .insertInto("tools")
          .values({ ...encode(tool), organization_id: currentOrganization() } as Insertable<ToolsTable>)
          .execute();
      } catch (error) {
        if (dialect.isUniqueViolation(error)) throw nameConflict(tool.name, error);
        throw error;
      }
      return tool;
    },

    async upsertByName(tool) {
      const { id: _id, created_at: _createdAt, ...replaced } = encode(tool);
      const row = await db
        .insertInto("tools")
        .values({ ...encode(tool), organization_id: currentOrganization() } as Insertable<ToolsTable>)
        .onConflict((conflict) =>
          conflict.columns(["organization_id", "name"]).doUpdateSet(replaced as Updateable<ToolsTable>),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return decode(row);
    },

    async get(id) {
      const row = await db
        .selectFrom("tools")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async getByName(name) {
      const row = await db
        .selectFrom("tools")
        .selectAll()
        .where("name", "=", name)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list(query) {
      const select = await listPage(db, filtered(query).selectAll("tools"), query, byCreation("tools"));
      return select.map(decode);
    },

    async update(id, patch) {
      const values = encode({ ...patch, updated_at: patch.updated_at ?? nowIso(context) });
      try {
        const row = await db
          .updateTable("tools")
          .set(values as Updateable<ToolsTable>)
          .where("id", "=", id)
          .where("organization_id", "=", currentOrganization())
          .returningAll()
          .executeTakeFirst();
        return row === undefined ? undefined : decode(row);
      } catch (error) {
        if (dialect.isUniqueViolation(error)) throw nameConflict(patch.name, error);
        throw error;
      }
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("tools")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        await tx.deleteFrom("tools_agents").where("tool_id", "=", id).execute();
        const result = await tx.deleteFrom("tools").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async listForAgent(agentId) {
      const rows = await runCached(
        db,
        dialect,
        "tools.listForAgent",
        [agentId, currentOrganization()],
        ([agent, org]) =>
          db
            .selectFrom("tools_agents")
            .innerJoin("tools", "tools.id", "tools_agents.tool_id")
            .selectAll("tools")
            .where("tools_agents.agent_id", "=", agent as string)
            .where("tools.organization_id", "=", org as string)
            .orderBy("tools_agents.position"),
      );
      return rows.map(decode);
    },

    async attach(agentId, toolId) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const tool = await tx
          .selectFrom("tools")
          .select("id")
          .where("id", "=", toolId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (tool === undefined) throw notFound("Tool", toolId);
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) throw notFound("Agent", agentId);
        const last = await tx
          .selectFrom("tools_agents")
          .select((eb) => eb.fn.max("position").as("position"))
          .where("agent_id", "=", agentId)
          .executeTakeFirst();
        const position =
          last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1;
        await tx
          .insertInto("tools_agents")
          .values({ agent_id: agentId, tool_id: toolId, position })
          .onConflict((conflict) => conflict.columns(["agent_id", "tool_id"]).doNothing())
          .execute();
      });
    },

    async detach(agentId, toolId) {
      const result = await db
        .deleteFrom("tools_agents")
        .where("agent_id", "=", agentId)
        .where("tool_id", "=", toolId)
        .where(rowInOrganization("agents", agentId, currentOrganization()))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
