import type { Insertable } from "kysely";
import { notFound, ReverieError, type Source } from "../../domain/index.js";
import type { SourceListQuery, SourceRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { deletePassagesOf } from "./file-repository.js";
import { byCreation, listPage } from "./paging.js";
import { runCached } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { type SqlContext, toCount, updateStamped } from "./sql-context.js";
import type { SourcesTable } from "./tables.js";
import { rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const SOURCE_COLUMNS: ColumnKinds = {
  id: "plain",
  name: "plain",
  description: "plain",
  instructions: "plain",
  metadata: "json",
  embedding_config: "json",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

const nameConflict = (name: string, cause: unknown) =>
  new ReverieError("conflict", `A folder named '${name}' already exists`, { cause });

/** Folders (`sources`), unique by name within an organization, and their attachment to agents (`sources_agents`). */
export function createSourceRepository(context: SqlContext): SourceRepository {
  const { db, dialect } = context;
  const decode = (row: object): Source => ({
    ...(decodeColumns(SOURCE_COLUMNS, row as Record<string, unknown>, dialect) as Omit<
      Source,
      "vector_db_provider"
    >),
    vector_db_provider: "native",
  });

  return {
    async create(source) {
      try {
        await db
          .insertInto("sources")
          .values({
            ...encodeColumns(SOURCE_COLUMNS, source, dialect),
            organization_id: currentOrganization(),
          } as Insertable<SourcesTable>)
          .execute();
      } catch (error) {
        if (dialect.isUniqueViolation(error)) throw nameConflict(source.name, error);
        throw error;
      }
      return source;
    },

    async get(id) {
      const row = await db
        .selectFrom("sources")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async getByName(name) {
      const row = await db
        .selectFrom("sources")
        .selectAll()
        .where("name", "=", name)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list(query: SourceListQuery) {
      let select = db
        .selectFrom("sources")
        .selectAll("sources")
        .where("sources.organization_id", "=", currentOrganization());
      if (query.name !== undefined) select = select.where("sources.name", "=", query.name);
      const rows = await listPage(db, select, query, byCreation("sources"));
      return rows.map(decode);
    },

    async count() {
      const row = await db
        .selectFrom("sources")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return toCount(row?.count);
    },

    async update(id, patch) {
      try {
        const row = await updateStamped(context, "sources", SOURCE_COLUMNS, id, patch);
        return row === undefined ? undefined : decode(row);
      } catch (error) {
        if (dialect.isUniqueViolation(error)) throw nameConflict(patch.name ?? "", error);
        throw error;
      }
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("sources")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        // Passages hold their vectors in the dialect's indexes: they go first, through the dialect.
        await deletePassagesOf(context, tx, "source_id", id);
        const fileIds = (await tx.selectFrom("files").select("id").where("source_id", "=", id).execute()).map(
          (row) => row.id,
        );
        if (fileIds.length > 0) {
          await tx.deleteFrom("files_agents").where("file_id", "in", fileIds).execute();
          await tx.deleteFrom("file_contents").where("file_id", "in", fileIds).execute();
          await tx.deleteFrom("files").where("id", "in", fileIds).execute();
        }
        await tx.deleteFrom("sources_agents").where("source_id", "=", id).execute();
        const result = await tx.deleteFrom("sources").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async attach(agentId, sourceId, now) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const source = await tx
          .selectFrom("sources")
          .select("id")
          .where("id", "=", sourceId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (source === undefined) throw notFound("Folder", sourceId);
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) throw notFound("Agent", agentId);
        await tx
          .insertInto("sources_agents")
          .values({ agent_id: agentId, source_id: sourceId, created_at: dialect.encodeTimestamp(now) })
          .onConflict((conflict) => conflict.columns(["agent_id", "source_id"]).doNothing())
          .execute();
      });
    },

    async detach(agentId, sourceId) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) return false;
        await tx
          .deleteFrom("files_agents")
          .where("agent_id", "=", agentId)
          .where("source_id", "=", sourceId)
          .execute();
        const result = await tx
          .deleteFrom("sources_agents")
          .where("agent_id", "=", agentId)
          .where("source_id", "=", sourceId)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async listForAgent(agentId) {
      const rows = await runCached(
        db,
        dialect,
        "sources.listForAgent",
        [agentId, currentOrganization()],
        ([agent, org]) =>
          db
            .selectFrom("sources_agents")
            .innerJoin("sources", "sources.id", "sources_agents.source_id")
            .selectAll("sources")
            .where("sources_agents.agent_id", "=", agent as string)
            .where("sources.organization_id", "=", org as string)
            .orderBy("sources_agents.created_at")
            .orderBy("sources.id"),
      );
      return rows.map(decode);
    },

    async agentIds(sourceId, page = {}) {
      const select = db
        .selectFrom("sources_agents")
        .select("sources_agents.agent_id")
        .where("sources_agents.source_id", "=", sourceId)
        .where(rowInOrganization("sources", sourceId, currentOrganization()));
      const rows = await listPage(
        db,
        select,
        page,
        { table: "sources_agents", keys: ["agent_id"], idColumn: "agent_id" },
        "asc",
      );
      return rows.map((row) => row.agent_id);
    },
  };
}
