import type { Insertable } from "kysely";
import { type Archive, notFound } from "../../domain/index.js";
import type { ArchiveListQuery, ArchiveRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { deleteArchivePassages } from "./passage-repository.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { type SqlContext, updateStamped } from "./sql-context.js";
import type { ArchivesTable } from "./tables.js";
import { rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const ARCHIVE_COLUMNS: ColumnKinds = {
  id: "plain",
  name: "plain",
  description: "plain",
  embedding_config: "json",
  metadata: "json",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** Archives and their agents (`archives_agents`, with the owner flag). */
export function createArchiveRepository(context: SqlContext): ArchiveRepository {
  const { db, dialect } = context;
  const decode = (row: object): Archive => ({
    ...(decodeColumns(ARCHIVE_COLUMNS, row as Record<string, unknown>, dialect) as Omit<
      Archive,
      "vector_db_provider"
    >),
    vector_db_provider: "native",
  });

  return {
    async create(archive) {
      await db
        .insertInto("archives")
        .values({
          ...encodeColumns(ARCHIVE_COLUMNS, archive, dialect),
          organization_id: currentOrganization(),
        } as Insertable<ArchivesTable>)
        .execute();
      return archive;
    },

    async get(id) {
      const row = await db
        .selectFrom("archives")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list(query: ArchiveListQuery) {
      let select = db
        .selectFrom("archives")
        .selectAll("archives")
        .where("archives.organization_id", "=", currentOrganization());
      if (query.name !== undefined) select = select.where("archives.name", "=", query.name);
      if (query.agent_id !== undefined) {
        const agentId = query.agent_id;
        select = select.where((eb) =>
          eb.exists(
            eb
              .selectFrom("archives_agents")
              .select("archives_agents.archive_id")
              .whereRef("archives_agents.archive_id", "=", "archives.id")
              .where("archives_agents.agent_id", "=", agentId),
          ),
        );
      }
      const paged = await listPage(db, select, query, byCreation("archives"));
      return paged.map(decode);
    },

    async update(id, patch) {
      const row = await updateStamped(context, "archives", ARCHIVE_COLUMNS, id, patch);
      return row === undefined ? undefined : decode(row);
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("archives")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        await deleteArchivePassages(context, tx, [id]);
        await tx.deleteFrom("archives_agents").where("archive_id", "=", id).execute();
        const result = await tx.deleteFrom("archives").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async attach(agentId, archiveId, isOwner) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const archive = await tx
          .selectFrom("archives")
          .select("id")
          .where("id", "=", archiveId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (archive === undefined) throw notFound("Archive", archiveId);
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) throw notFound("Agent", agentId);
        const owner = dialect.encodeBool(isOwner);
        await tx
          .insertInto("archives_agents")
          .values({ agent_id: agentId, archive_id: archiveId, is_owner: owner })
          .onConflict((conflict) =>
            conflict.columns(["agent_id", "archive_id"]).doUpdateSet({ is_owner: owner }),
          )
          .execute();
      });
    },

    async detach(agentId, archiveId) {
      const result = await db
        .deleteFrom("archives_agents")
        .where("agent_id", "=", agentId)
        .where("archive_id", "=", archiveId)
        .where(rowInOrganization("agents", agentId, currentOrganization()))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async listForAgent(agentId) {
      const rows = await db
        .selectFrom("archives_agents")
        .innerJoin("archives", "archives.id", "archives_agents.archive_id")
        .selectAll("archives")
        .where("archives_agents.agent_id", "=", agentId)
        .where("archives.organization_id", "=", currentOrganization())
        .orderBy("archives.created_at")
        .orderBy("archives.id")
        .execute();
      return rows.map(decode);
    },

    async agentIds(archiveId) {
      const rows = await db
        .selectFrom("archives_agents")
        .select("agent_id")
        .where("archive_id", "=", archiveId)
        .where(rowInOrganization("archives", archiveId, currentOrganization()))
        .orderBy("agent_id")
        .execute();
      return rows.map((row) => row.agent_id);
    },
  };
}
