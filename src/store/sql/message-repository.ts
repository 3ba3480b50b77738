import {
  type Expression,
  type ExpressionBuilder,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
  type Updateable,
} from "kysely";
import type { Message } from "../../domain/index.js";
import type { MessageListQuery, MessageRepository, MessageSearchQuery, UnembeddedQuery } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { messageSearchText } from "./message-text.js";
import { listPage } from "./paging.js";
import { insertRow, runCached } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, definedFields, encodeColumns } from "./row-codec.js";
import { matchesNothing, type SqlContext, toCount } from "./sql-context.js";
import type { Database, MessagesTable } from "./tables.js";
import { rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const MESSAGE_COLUMNS: ColumnKinds = {
  id: "plain",
  agent_id: "plain",
  conversation_id: "plain",
  role: "plain",
  content: "json",
  name: "plain",
  tool_calls: "json",
  tool_call_id: "plain",
  tool_returns: "json",
  approvals: "json",
  otid: "plain",
  sender_id: "plain",
  group_id: "plain",
  run_id: "plain",
  step_id: "plain",
  model: "plain",
  is_err: "bool",
  created_at: "timestamp",
};

const DECODED_COLUMNS: ColumnKinds = { ...MESSAGE_COLUMNS, sequence_id: "number" };

/**
 * What a Message is read from: not `*`, which would also fetch the search text, the tsvector and (on
 * PostgreSQL) the vector, kilobytes per row that no caller reads.
 */
const READ_COLUMNS = Object.keys(DECODED_COLUMNS).map(
  (column) => `messages.${column}` as `messages.${keyof MessagesTable}`,
);

type MessageSelect<O> = SelectQueryBuilder<Database, "messages", O>;
type MessageFilter = Omit<MessageListQuery, "before" | "after" | "limit" | "order">;
type SearchFilter = Omit<MessageSearchQuery, "query" | "limit">;

/** Rows per vector write: keeps each statement's bound parameters well under every dialect's limit. */
const EMBEDDING_CHUNK = 100;

/** Recall memory: messages in `sequence_id` order, with `messages.text` kept for full-text search. */
export function createMessageRepository(context: SqlContext): MessageRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(DECODED_COLUMNS, row as Record<string, unknown>, dialect) as Message;

  /** The filter as a condition, for list/count and for the full-text candidates alike. */
  const condition = (filter: MessageFilter) => (eb: ExpressionBuilder<Database, "messages">) => {
    const tests: Expression<SqlBool>[] = [eb("messages.organization_id", "=", currentOrganization())];
    if (filter.agent_id !== undefined) tests.push(eb("messages.agent_id", "=", filter.agent_id));
    if (filter.conversation_id === null) tests.push(eb("messages.conversation_id", "is", null));
    else if (filter.conversation_id !== undefined) {
      tests.push(eb("messages.conversation_id", "=", filter.conversation_id));
    }
    if (filter.run_id !== undefined) tests.push(eb("messages.run_id", "=", filter.run_id));
    if (filter.otids !== undefined) {
      tests.push(filter.otids.length === 0 ? matchesNothing : eb("messages.otid", "in", filter.otids));
    }
    if (filter.step_id !== undefined) tests.push(eb("messages.step_id", "=", filter.step_id));
    if (filter.roles !== undefined) {
      tests.push(filter.roles.length === 0 ? matchesNothing : eb("messages.role", "in", filter.roles));
    }
    if (filter.start_date !== undefined) {
      tests.push(eb("messages.created_at", ">=", dialect.encodeTimestamp(filter.start_date)));
    }
    if (filter.end_date !== undefined) {
      tests.push(eb("messages.created_at", "<=", dialect.encodeTimestamp(filter.end_date)));
    }
    return eb.and(tests);
  };

  const filtered = <O>(select: MessageSelect<O>, filter: MessageFilter) => select.where(condition(filter));

  const searchCondition = (query: SearchFilter) =>
    condition({
      agent_id: query.agent_id,
      roles: query.roles,
      conversation_id: query.conversation_id,
      start_date: query.start_date,
      end_date: query.end_date,
    });

  /** Loads search hits by sequence id, keeping their order. */
  async function loadHits<H extends { sequence_id: number }>(
    hits: readonly H[],
  ): Promise<Array<{ message: Message; hit: H }>> {
    if (hits.length === 0) return [];
    const rows = await db
      .selectFrom("messages")
      .select(READ_COLUMNS)
      .where(
        "sequence_id",
        "in",
        hits.map((hit) => Number(hit.sequence_id)),
      )
      .where("organization_id", "=", currentOrganization())
      .execute();
    const bySequence = new Map(rows.map((row) => [Number(row.sequence_id), decode(row)]));
    return hits.flatMap((hit) => {
      const message = bySequence.get(Number(hit.sequence_id));
      return message === undefined ? [] : [{ message, hit }];
    });
  }

  /** Messages with text that `model` has not processed yet. */
  const unembedded = (query: UnembeddedQuery) => (eb: ExpressionBuilder<Database, "messages">) =>
    eb.and([
      condition({ agent_id: query.agent_id, roles: query.roles })(eb),
      eb("messages.text", "<>", ""),
      eb.or([eb("messages.embedding_model", "is", null), eb("messages.embedding_model", "<>", query.model)]),
    ]);

  return {
    async append(messages) {
      if (messages.length === 0) return [];
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const stored: Message[] = [];
        // One insert per message, so sequence ids follow the given order on every dialect.
        for (const message of messages) {
          const values = {
            ...encodeColumns(MESSAGE_COLUMNS, message, dialect),
            text: messageSearchText(message),
            organization_id: organization,
          };
          const [row] = await insertRow(tx, dialect, "messages", values, ["sequence_id"]);
          if (row === undefined) throw new Error(`message ${message.id} was not inserted`);
          stored.push({ ...message, sequence_id: Number(row.sequence_id) });
        }
        return stored;
      });
    },

    async get(id) {
      const row = await db
        .selectFrom("messages")
        .select(READ_COLUMNS)
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const unique = [...new Set(ids)];
      // One shape per list length: the window's length repeats from turn to turn.
      const rows = await runCached(
        db,
        dialect,
        `messages.getMany ${unique.length}`,
        [currentOrganization(), ...unique],
        ([org, ...keys]) =>
          db
            .selectFrom("messages")
            .select(READ_COLUMNS)
            .where("id", "in", keys as string[])
            .where("organization_id", "=", org as string),
      );
      const byId = new Map(rows.map((row) => [row.id, decode(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async list(query) {
      const select = filtered(db.selectFrom("messages").select(READ_COLUMNS), query);
      const paged = await listPage(db, select, query, {
        table: "messages",
        keys: ["sequence_id"],
        direction: "time",
      });
      return paged.map(decode);
    },

    async count(query) {
      // An agent's (or one conversation's) total is kept in `message_counts`: one lookup, not a scan.
      if (query.agent_id !== undefined && query.roles === undefined) {
        let select = db
          .selectFrom("message_counts")
          .select((eb) => eb.fn.sum<number | string | null>("count").as("count"))
          .where("agent_id", "=", query.agent_id)
          .where(rowInOrganization("agents", query.agent_id, currentOrganization()));
        if (query.conversation_id !== undefined) {
          select = select.where("conversation_key", "=", query.conversation_id ?? "");
        }
        return toCount((await select.executeTakeFirst())?.count);
      }
      const row = await filtered(db.selectFrom("messages"), query)
        .select((eb) => eb.fn.countAll().as("count"))
        .executeTakeFirst();
      return toCount(row?.count);
    },

    async update(id, patch) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const row = await tx
          .selectFrom("messages")
          .selectAll()
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (row === undefined) return undefined;
        const updated: Message = { ...decode(row), ...definedFields(patch) };
        const text = messageSearchText(updated);
        const values: Record<string, unknown> = { ...encodeColumns(MESSAGE_COLUMNS, patch, dialect), text };
        if (text !== row.text && row.embedding_model !== null) {
          // The old vector describes the old text: drop it, so the message is embedded again.
          if (row.embedding_dim !== null) {
            await dialect.deleteMessageVectors(tx, [
              { rowid: Number(row.sequence_id), dim: Number(row.embedding_dim) },
            ]);
          }
          values.embedding_dim = null;
          values.embedding_model = null;
        }
        await tx
          .updateTable("messages")
          .set(values as Updateable<MessagesTable>)
          .where("id", "=", id)
          .execute();
        return updated;
      });
    },

    async searchText(query: MessageSearchQuery) {
      const where = searchCondition(query);
      const hits = await dialect.searchMessageText(db, { where, query: query.query, limit: query.limit });
      return (await loadHits(hits)).map(({ message, hit }) => ({ message, rank: hit.rank }));
    },

    async searchVector(query) {
      if (query.vector.length === 0 || query.limit <= 0) return [];
      const filter = searchCondition(query);
      const { model } = query;
      const where =
        model === undefined
          ? filter
          : (eb: ExpressionBuilder<Database, "messages">) =>
              eb.and([filter(eb), eb("messages.embedding_model", "=", model)]);
      const hits = await dialect.searchMessageVectors(db, {
        where,
        vector: query.vector,
        limit: query.limit,
      });
      return (await loadHits(hits)).map(({ message, hit }) => ({ message, distance: Number(hit.distance) }));
    },

    async adjacent(ids, roles) {
      const found = new Map<string, { previous: string | null; next: string | null }>();
      if (ids.length === 0 || roles.length === 0) return found;
      // One indexed seek each way per message, in one statement. Ordering by the agent too (fixed by
      // the condition) matches the (agent_id, sequence_id) index, so PostgreSQL walks it and stops at
      // the first turn of the conversation instead of sorting the agent's earlier messages.
      const neighbour = (direction: "previous" | "next") =>
        sql<string | null>`(select m.id from messages as m
          where m.agent_id = c.agent_id and m.conversation_id is not distinct from c.conversation_id
            and m.role in (${sql.join([...roles])})
            and m.sequence_id ${sql.raw(direction === "previous" ? "<" : ">")} c.sequence_id
          order by m.agent_id ${sql.raw(direction === "previous" ? "desc" : "asc")},
            m.sequence_id ${sql.raw(direction === "previous" ? "desc" : "asc")} limit 1)`;
      // The neighbours share the message's agent, so scoping the messages asked about scopes them too.
      const rows = await db
        .selectFrom("messages as c")
        .select(["c.id", neighbour("previous").as("previous_id"), neighbour("next").as("next_id")])
        .where("c.organization_id", "=", currentOrganization())
        .where("c.id", "in", [...new Set(ids)])
        .execute();
      for (const row of rows) {
        found.set(row.id, { previous: row.previous_id ?? null, next: row.next_id ?? null });
      }
      return found;
    },

    async setEmbeddings(items) {
      if (items.length === 0) return;
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        for (let start = 0; start < items.length; start += EMBEDDING_CHUNK) {
          const chunk = items.slice(start, start + EMBEDDING_CHUNK);
          const rows = await tx
            .selectFrom("messages")
            .select(["id", "sequence_id", "embedding_dim"])
            .where(
              "id",
              "in",
              chunk.map((item) => item.id),
            )
            .where("organization_id", "=", organization)
            .execute();
          const byId = new Map(rows.map((row) => [row.id, row]));
          const old = rows.flatMap((row) =>
            row.embedding_dim === null
              ? []
              : [{ rowid: Number(row.sequence_id), dim: Number(row.embedding_dim) }],
          );
          if (old.length > 0) await dialect.deleteMessageVectors(tx, old);
          const vectors: Array<{ rowid: number; vector: readonly number[] }> = [];
          for (const item of chunk) {
            const row = byId.get(item.id);
            if (row === undefined) continue;
            const vector = item.embedding !== null && item.embedding.length > 0 ? item.embedding : null;
            await tx
              .updateTable("messages")
              .set({ embedding_dim: vector?.length ?? null, embedding_model: item.model })
              .where("sequence_id", "=", row.sequence_id)
              .execute();
            if (vector !== null) vectors.push({ rowid: Number(row.sequence_id), vector });
          }
          if (vectors.length > 0) await dialect.writeMessageVectors(tx, vectors);
        }
      });
    },

    async listUnembedded(query) {
      if (query.limit <= 0) return [];
      const rows = await db
        .selectFrom("messages")
        .select(READ_COLUMNS)
        .where(unembedded(query))
        .orderBy("sequence_id")
        .limit(query.limit)
        .execute();
      return rows.map(decode);
    },

    async countUnembedded(query) {
      const row = await db
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll().as("count"))
        .where(unembedded(query))
        .executeTakeFirst();
      return toCount(row?.count);
    },
  };
}
