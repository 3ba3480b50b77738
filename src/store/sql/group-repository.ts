import type { Insertable, Updateable } from "kysely";
import type { Group } from "../../domain/index.js";
import type { GroupListQuery, GroupRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import type { GroupsTable } from "./tables.js";
import { requireInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const GROUP_COLUMNS: ColumnKinds = {
  id: "plain",
  manager_type: "plain",
  description: "plain",
  manager_agent_id: "plain",
  sleeptime_agent_frequency: "number",
  turns_counter: "number",
  last_processed_message_id: "plain",
  max_turns: "number",
  termination_token: "plain",
  max_message_buffer_length: "number",
  min_message_buffer_length: "number",
  shared_block_ids: "json",
  hidden: "bool",
  project_id: "plain",
};

/** Groups; their members (`agent_ids`, in order) live in `groups_agents`. */
export function createGroupRepository(context: SqlContext): GroupRepository {
  const { db, dialect } = context;

  async function hydrate(handle: SqlDb, rows: readonly object[]): Promise<Group[]> {
    if (rows.length === 0) return [];
    const groups = rows.map(
      (row) =>
        decodeColumns(GROUP_COLUMNS, row as Record<string, unknown>, dialect) as Omit<Group, "agent_ids">,
    );
    const members = await handle
      .selectFrom("groups_agents")
      .select(["group_id", "agent_id"])
      .where(
        "group_id",
        "in",
        groups.map((group) => group.id),
      )
      .orderBy("position")
      .execute();
    return groups.map((group) => ({
      ...group,
      agent_ids: members.filter((member) => member.group_id === group.id).map((member) => member.agent_id),
    }));
  }

  async function replaceMembers(tx: SqlDb, groupId: string, agentIds: readonly string[]): Promise<void> {
    const unique = [...new Set(agentIds)];
    await requireInOrganization(tx, "agents", unique, "Agent");
    await tx.deleteFrom("groups_agents").where("group_id", "=", groupId).execute();
    if (unique.length === 0) return;
    await tx
      .insertInto("groups_agents")
      .values(unique.map((agentId, position) => ({ group_id: groupId, agent_id: agentId, position })))
      .execute();
  }

  const filtered = (query: Pick<GroupListQuery, "manager_type" | "project_id">) => {
    let select = db
      .selectFrom("groups")
      .selectAll("groups")
      .where("groups.organization_id", "=", currentOrganization());
    if (query.manager_type !== undefined)
      select = select.where("groups.manager_type", "=", query.manager_type);
    if (query.project_id !== undefined) select = select.where("groups.project_id", "=", query.project_id);
    return select;
  };

  const getWith = async (handle: SqlDb, id: string) => {
    const row = await handle
      .selectFrom("groups")
      .selectAll()
      .where("id", "=", id)
      .where("organization_id", "=", currentOrganization())
      .executeTakeFirst();
    return row === undefined ? undefined : (await hydrate(handle, [row]))[0];
  };

  return {
    async create(group) {
      await withTransaction(db, async (tx) => {
        const row = {
          ...encodeColumns(GROUP_COLUMNS, group, dialect),
          organization_id: currentOrganization(),
          created_at: dialect.encodeTimestamp(nowIso(context)),
        };
        await tx
          .insertInto("groups")
          .values(row as Insertable<GroupsTable>)
          .execute();
        await replaceMembers(tx, group.id, group.agent_ids);
      });
      return group;
    },

    get: (id) => getWith(db, id),

    async list(query) {
      const rows = await listPage(db, filtered(query), query, byCreation("groups"), "asc");
      return hydrate(db, rows);
    },

    async count(query = {}) {
      const row = await filtered(query)
        .clearSelect()
        .select((eb) => eb.fn.countAll<number | string>().as("total"))
        .executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    async update(id, patch) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const exists = await tx
          .selectFrom("groups")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (exists === undefined) return undefined;
        const values = encodeColumns(GROUP_COLUMNS, { ...patch, id: undefined }, dialect);
        if (Object.keys(values).length > 0) {
          await tx
            .updateTable("groups")
            .set(values as Updateable<GroupsTable>)
            .where("id", "=", id)
            .execute();
        }
        if (patch.agent_ids !== undefined) await replaceMembers(tx, id, patch.agent_ids);
        return getWith(tx, id);
      });
    },

    async incrementTurns(id) {
      const row = await db
        .updateTable("groups")
        .set((eb) => ({ turns_counter: eb(eb.fn.coalesce("turns_counter", eb.lit(0)), "+", 1) }))
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .returning("turns_counter")
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.turns_counter);
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("groups")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        await tx.deleteFrom("groups_agents").where("group_id", "=", id).execute();
        const result = await tx.deleteFrom("groups").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async listForAgent(agentId) {
      const rows = await db
        .selectFrom("groups")
        .selectAll("groups")
        .where("groups.organization_id", "=", currentOrganization())
        .where((eb) =>
          eb.or([
            eb("groups.manager_agent_id", "=", agentId),
            eb.exists(
              eb
                .selectFrom("groups_agents")
                .select("groups_agents.group_id")
                .whereRef("groups_agents.group_id", "=", "groups.id")
                .where("groups_agents.agent_id", "=", agentId),
            ),
          ]),
        )
        .orderBy("groups.created_at")
        .orderBy("groups.id")
        .execute();
      return hydrate(db, rows);
    },
  };
}
