import type { Insertable } from "kysely";
import type { Conversation } from "../../domain/index.js";
import type { ConversationListQuery, ConversationRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { type SqlContext, updateStamped } from "./sql-context.js";
import type { ConversationsTable } from "./tables.js";

const CONVERSATION_COLUMNS: ColumnKinds = {
  id: "plain",
  agent_id: "plain",
  description: "plain",
  summary: "plain",
  archived: "bool",
  archived_at: "timestamp",
  hidden: "bool",
  model: "plain",
  model_settings: "json",
  context_window_limit: "number",
  in_context_message_ids: "json",
  isolated_block_ids: "json",
  last_message_at: "timestamp",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** Conversations (threads of an agent). */
export function createConversationRepository(context: SqlContext): ConversationRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(CONVERSATION_COLUMNS, row as Record<string, unknown>, dialect) as Conversation;

  return {
    async create(conversation) {
      await db
        .insertInto("conversations")
        .values({
          ...encodeColumns(CONVERSATION_COLUMNS, conversation, dialect),
          organization_id: currentOrganization(),
        } as Insertable<ConversationsTable>)
        .execute();
      return conversation;
    },

    async get(id) {
      const row = await db
        .selectFrom("conversations")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async list(query: ConversationListQuery) {
      let select = db
        .selectFrom("conversations")
        .selectAll("conversations")
        .where("conversations.organization_id", "=", currentOrganization());
      if (query.agent_id !== undefined) select = select.where("conversations.agent_id", "=", query.agent_id);
      if (query.archived !== undefined) {
        select = select.where("conversations.archived", "=", dialect.encodeBool(query.archived));
      }
      if (query.summary_search) {
        const text = query.summary_search;
        select = select.where((eb) => dialect.containsInsensitive(eb.ref("conversations.summary"), text));
      }
      const paged = await listPage(db, select, query, byCreation("conversations"));
      return paged.map(decode);
    },

    async update(id, patch) {
      const row = await updateStamped(context, "conversations", CONVERSATION_COLUMNS, id, patch);
      return row === undefined ? undefined : decode(row);
    },

    async delete(id) {
      const result = await db
        .deleteFrom("conversations")
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
