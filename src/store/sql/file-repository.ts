import type { Insertable, Updateable } from "kysely";
import { type FileAgent, type FileMetadata, notFound, ReverieError } from "../../domain/index.js";
import type { FileListQuery, FileRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { type SqlContext, toCount, updateStamped } from "./sql-context.js";
import type { FilesAgentsTable, FilesTable } from "./tables.js";
import { rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const FILE_COLUMNS: ColumnKinds = {
  id: "plain",
  source_id: "plain",
  file_name: "plain",
  original_file_name: "plain",
  file_path: "plain",
  file_type: "plain",
  file_size: "number",
  file_creation_date: "plain",
  file_last_modified_date: "plain",
  processing_status: "plain",
  error_message: "plain",
  total_chunks: "number",
  chunks_embedded: "number",
  created_at: "timestamp",
  updated_at: "timestamp",
};

const FILE_AGENT_COLUMNS: ColumnKinds = {
  agent_id: "plain",
  file_id: "plain",
  source_id: "plain",
  file_name: "plain",
  is_open: "bool",
  visible_content: "plain",
  start_line: "number",
  end_line: "number",
  last_accessed_at: "timestamp",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** Deletes the passages whose `column` is `value` (a file's or a folder's), with their vectors and tags. */
export async function deletePassagesOf(
  context: SqlContext,
  tx: SqlDb,
  column: "file_id" | "source_id",
  value: string,
): Promise<number> {
  const rows = await tx
    .selectFrom("passages")
    .select(["id", "rowid", "embedding_dim"])
    .where(column, "=", value)
    .execute();
  if (rows.length === 0) return 0;
  const refs = rows.flatMap((row) =>
    row.embedding_dim === null ? [] : [{ rowid: Number(row.rowid), dim: Number(row.embedding_dim) }],
  );
  if (refs.length > 0) await context.dialect.deletePassageVectors(tx, refs);
  const ids = rows.map((row) => row.id);
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    await tx.deleteFrom("passage_tags").where("passage_id", "in", chunk).execute();
    await tx.deleteFrom("passages").where("id", "in", chunk).execute();
  }
  return rows.length;
}

/** Files of folders with their uploaded bytes and text (`file_contents`), and agents' views of them. */
export function createFileRepository(context: SqlContext): FileRepository {
  const { db, dialect } = context;
  const decode = (row: object): FileMetadata =>
    decodeColumns(FILE_COLUMNS, row as Record<string, unknown>, dialect) as FileMetadata;
  const decodeView = (row: object): FileAgent =>
    decodeColumns(FILE_AGENT_COLUMNS, row as Record<string, unknown>, dialect) as FileAgent;

  async function getAgentFile(agentId: string, fileId: string): Promise<FileAgent | undefined> {
    const row = await db
      .selectFrom("files_agents")
      .selectAll()
      .where("agent_id", "=", agentId)
      .where("file_id", "=", fileId)
      .where(rowInOrganization("agents", agentId, currentOrganization()))
      .executeTakeFirst();
    return row === undefined ? undefined : decodeView(row);
  }

  return {
    async create(file, raw) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const source = await tx
          .selectFrom("sources")
          .select("id")
          .where("id", "=", file.source_id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (source === undefined) throw notFound("Folder", file.source_id);
        try {
          await tx
            .insertInto("files")
            .values({
              ...encodeColumns(FILE_COLUMNS, file, dialect),
              organization_id: organization,
            } as Insertable<FilesTable>)
            .execute();
        } catch (error) {
          if (dialect.isUniqueViolation(error)) {
            throw new ReverieError(
              "conflict",
              `A file named '${file.file_name}' already exists in the folder`,
              {
                cause: error,
              },
            );
          }
          throw error;
        }
        await tx
          .insertInto("file_contents")
          .values({
            file_id: file.id,
            raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
            text: null,
          })
          .execute();
      });
      return { ...file };
    },

    async get(id) {
      const row = await db
        .selectFrom("files")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async getByName(sourceId, fileName) {
      const row = await db
        .selectFrom("files")
        .selectAll()
        .where("source_id", "=", sourceId)
        .where("file_name", "=", fileName)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list(query: FileListQuery) {
      const select = db
        .selectFrom("files")
        .selectAll("files")
        .where("files.source_id", "=", query.source_id)
        .where("files.organization_id", "=", currentOrganization());
      const rows = await listPage(db, select, query, byCreation("files"));
      return rows.map(decode);
    },

    async names(sourceId) {
      const rows = await db
        .selectFrom("files")
        .select("file_name")
        .where("source_id", "=", sourceId)
        .where("organization_id", "=", currentOrganization())
        .execute();
      return rows.map((row) => row.file_name);
    },

    async stats(sourceId) {
      let select = db
        .selectFrom("files")
        .select((eb) => [eb.fn.countAll().as("count"), eb.fn.sum("file_size").as("bytes")])
        .where("organization_id", "=", currentOrganization());
      if (sourceId !== undefined) select = select.where("source_id", "=", sourceId);
      const row = await select.executeTakeFirst();
      return { files: toCount(row?.count), bytes: toCount(row?.bytes) };
    },

    async update(id, patch) {
      const row = await updateStamped(context, "files", FILE_COLUMNS, id, patch);
      return row === undefined ? undefined : decode(row);
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("files")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        await deletePassagesOf(context, tx, "file_id", id);
        await tx.deleteFrom("files_agents").where("file_id", "=", id).execute();
        await tx.deleteFrom("file_contents").where("file_id", "=", id).execute();
        const result = await tx.deleteFrom("files").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async raw(id) {
      const row = await db
        .selectFrom("file_contents")
        .select("raw")
        .where("file_id", "=", id)
        .where(rowInOrganization("files", id, currentOrganization()))
        .executeTakeFirst();
      return row === undefined ? undefined : new Uint8Array(row.raw);
    },

    async text(id) {
      const row = await db
        .selectFrom("file_contents")
        .select("text")
        .where("file_id", "=", id)
        .where(rowInOrganization("files", id, currentOrganization()))
        .executeTakeFirst();
      return row === undefined ? undefined : row.text;
    },

    async setText(id, text) {
      await db
        .updateTable("file_contents")
        .set({ text })
        .where("file_id", "=", id)
        .where(rowInOrganization("files", id, currentOrganization()))
        .execute();
    },

    async deletePassages(fileId) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("files")
          .select("id")
          .where("id", "=", fileId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        return owned === undefined ? 0 : deletePassagesOf(context, tx, "file_id", fileId);
      });
    },

    async putAgentFile(view) {
      const organization = currentOrganization();
      const owned = await db
        .selectFrom("files")
        .select("files.id")
        .where("files.id", "=", view.file_id)
        .where("files.organization_id", "=", organization)
        .where(rowInOrganization("agents", view.agent_id, organization))
        .executeTakeFirst();
      if (owned === undefined) throw notFound("File", view.file_id);
      const row = encodeColumns(FILE_AGENT_COLUMNS, view, dialect) as Insertable<FilesAgentsTable>;
      const { agent_id: _agent, file_id: _file, created_at: _created, ...replaced } = row;
      await db
        .insertInto("files_agents")
        .values(row)
        .onConflict((conflict) =>
          conflict.columns(["agent_id", "file_id"]).doUpdateSet(replaced as Updateable<FilesAgentsTable>),
        )
        .execute();
      return (await getAgentFile(view.agent_id, view.file_id)) ?? view;
    },

    getAgentFile,

    async listAgentFiles(agentId, query = {}) {
      let select = db
        .selectFrom("files_agents")
        .selectAll()
        .where("agent_id", "=", agentId)
        .where(rowInOrganization("agents", agentId, currentOrganization()));
      if (query.is_open !== undefined)
        select = select.where("is_open", "=", dialect.encodeBool(query.is_open));
      const rows = await select.orderBy("last_accessed_at", "desc").orderBy("file_id").execute();
      return rows.map(decodeView);
    },

    async fileAgentIds(fileId) {
      const rows = await db
        .selectFrom("files_agents")
        .select("agent_id")
        .where("file_id", "=", fileId)
        .where(rowInOrganization("files", fileId, currentOrganization()))
        .orderBy("agent_id")
        .execute();
      return rows.map((row) => row.agent_id);
    },
  };
}
