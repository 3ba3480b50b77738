import { type ExpressionBuilder, type Insertable, type SelectQueryBuilder, sql } from "kysely";
import type { AgentRecord } from "../../domain/index.js";
import type { AgentListQuery, AgentRepository, TagListQuery } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";
import { byCreation, keysetBound, listPage } from "./paging.js";
import { runCached, updateRowById } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { nowIso, type SqlContext, toCount } from "./sql-context.js";
import type { AgentsTable, Database } from "./tables.js";
import { withTransaction } from "./with-transaction.js";

const AGENT_COLUMNS: ColumnKinds = {
  id: "plain",
  name: "plain",
  agent_type: "plain",
  system: "plain",
  description: "plain",
  model: "plain",
  model_settings: "json",
  embedding: "plain",
  llm_config: "json",
  embedding_config: "json",
  compaction_settings: "json",
  context_window_limit: "number",
  tool_rules: "json",
  tags: "json",
  metadata: "json",
  message_ids: "json",
  timezone: "plain",
  max_files_open: "number",
  per_file_view_window_char_limit: "number",
  message_buffer_autoclear: "bool",
  enable_sleeptime: "bool",
  hidden: "bool",
  response_format: "json",
  last_run_completion: "timestamp",
  last_run_duration_ms: "number",
  last_stop_reason: "plain",
  project_id: "plain",
  template_id: "plain",
  base_template_id: "plain",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** Tables holding rows that belong to one agent, deleted with it. */
const AGENT_OWNED = [
  "agent_tags",
  "blocks_agents",
  "tools_agents",
  "archives_agents",
  "identities_agents",
  "groups_agents",
  "messages",
  "message_counts",
  "steps",
  "runs",
  "conversations",
  "agent_secrets",
] as const;

/** Agents over the shared layout; `agent_tags` mirrors `agents.tags` for filtering and tag listing. */
export function createAgentRepository(context: SqlContext): AgentRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(AGENT_COLUMNS, row as Record<string, unknown>, dialect) as AgentRecord;

  const filtered = (query: AgentListQuery) => {
    let select = db.selectFrom("agents").where("agents.organization_id", "=", currentOrganization());
    if (query.name !== undefined) select = select.where("agents.name", "=", query.name);
    if (query.project_id !== undefined) select = select.where("agents.project_id", "=", query.project_id);
    if (query.last_stop_reason !== undefined) {
      select = select.where("agents.last_stop_reason", "=", query.last_stop_reason);
    }
    if (query.query_text) {
      const text = query.query_text;
      select = select.where((eb) => dialect.containsInsensitive(eb.ref("agents.name"), text));
    }
    if (query.identity_id !== undefined) {
      const identityId = query.identity_id;
      select = select.where((eb) =>
        eb.exists(
          eb
            .selectFrom("identities_agents")
            .select("identities_agents.agent_id")
            .whereRef("identities_agents.agent_id", "=", "agents.id")
            .where("identities_agents.identity_id", "=", identityId),
        ),
      );
    }
    if (query.tags !== undefined && query.tags.length > 0) {
      select = whereTags(select, query.tags, query.match_all_tags ?? false);
    }
    return select;
  };

  async function replaceTags(tx: SqlDb, agentId: string, tags: readonly string[]): Promise<void> {
    await tx.deleteFrom("agent_tags").where("agent_id", "=", agentId).execute();
    const unique = [...new Set(tags)];
    if (unique.length > 0) {
      await tx
        .insertInto("agent_tags")
        .values(unique.map((tag) => ({ agent_id: agentId, tag })))
        .execute();
    }
  }

  return {
    async create(agent) {
      await withTransaction(db, async (tx) => {
        await tx
          .insertInto("agents")
          .values({
            ...encodeColumns(AGENT_COLUMNS, agent, dialect),
            organization_id: currentOrganization(),
          } as Insertable<AgentsTable>)
          .execute();
        await replaceTags(tx, agent.id, agent.tags);
      });
      return agent;
    },

    async get(id) {
      const [row] = await runCached(db, dialect, "agents.get", [id, currentOrganization()], ([key, org]) =>
        db
          .selectFrom("agents")
          .selectAll()
          .where("id", "=", key as string)
          .where("organization_id", "=", org as string),
      );
      return row === undefined ? undefined : decode(row);
    },

    async list(query) {
      const select = await listPage(db, filtered(query).selectAll("agents"), query, byCreation("agents"));
      return select.map(decode);
    },

    async count(query = {}) {
      const row = await filtered(query)
        .select((eb) => eb.fn.countAll().as("count"))
        .executeTakeFirst();
      return toCount(row?.count);
    },

    async update(id, patch) {
      const values = { ...patch, updated_at: patch.updated_at ?? nowIso(context) };
      // RETURNING hands back the updated row in the same statement (a turn updates its agent twice).
      const write = async (tx: SqlDb) => {
        const set = encodeColumns(AGENT_COLUMNS, values, dialect);
        const row = await updateRowById(tx, dialect, "agents", id, set, true);
        if (row === undefined) return undefined;
        if (patch.tags !== undefined) await replaceTags(tx, id, patch.tags);
        return decode(row);
      };
      return patch.tags === undefined ? write(db) : withTransaction(db, write);
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        for (const table of AGENT_OWNED) {
          await tx.deleteFrom(table).where("agent_id", "=", id).execute();
        }
        const result = await tx.deleteFrom("agents").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async listTags(query: TagListQuery) {
      const order = query.order ?? "asc";
      let select = db
        .selectFrom("agent_tags")
        .innerJoin("agents", "agents.id", "agent_tags.agent_id")
        .where("agents.organization_id", "=", currentOrganization())
        .select("agent_tags.tag")
        .distinct();
      if (query.query_text) {
        const text = query.query_text;
        select = select.where((eb) => dialect.containsInsensitive(eb.ref("agent_tags.tag"), text));
      }
      // Tags are their own cursor: an `after` tag need not exist any more.
      const tagRef = sql.ref("agent_tags.tag");
      if (query.after !== undefined)
        select = select.where(keysetBound([tagRef], [query.after], order === "asc" ? ">" : "<"));
      if (query.before !== undefined) {
        select = select.where(keysetBound([tagRef], [query.before], order === "asc" ? "<" : ">"));
      }
      // As in `listPage`: with `before` alone, the page is the tags closest to the cursor.
      const fromCursor = query.before !== undefined && query.after === undefined && query.limit !== undefined;
      select = select.orderBy("agent_tags.tag", fromCursor ? (order === "asc" ? "desc" : "asc") : order);
      if (query.limit !== undefined) select = select.limit(Math.max(0, query.limit));
      const tags = (await select.execute()).map((row) => row.tag);
      return fromCursor ? tags.reverse() : tags;
    },
  };
}

/** Keeps agents having any (or all) of `tags`, through `agent_tags`. */
function whereTags<O>(
  select: SelectQueryBuilder<Database, "agents", O>,
  tags: readonly string[],
  matchAll: boolean,
): SelectQueryBuilder<Database, "agents", O> {
  const unique = [...new Set(tags)];
  const matching = (eb: ExpressionBuilder<Database, "agents">) =>
    eb
      .selectFrom("agent_tags")
      .whereRef("agent_tags.agent_id", "=", "agents.id")
      .where("agent_tags.tag", "in", unique);
  if (!matchAll) return select.where((eb) => eb.exists(matching(eb).select("agent_tags.agent_id")));
  return select.where((eb) =>
    eb(
      matching(eb).select((inner) => inner.fn.countAll().as("matched")),
      "=",
      unique.length,
    ),
  );
}
