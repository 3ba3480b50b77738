import type { Insertable, Updateable } from "kysely";
import { type Identity, notFound } from "../../domain/index.js";
import type { IdentityListQuery, IdentityRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import type { IdentitiesTable } from "./tables.js";
import { requireInOrganization, rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const IDENTITY_COLUMNS: ColumnKinds = {
  id: "plain",
  identifier_key: "plain",
  name: "plain",
  identity_type: "plain",
  project_id: "plain",
  properties: "json",
};

type IdentityRow = Omit<Identity, "agent_ids" | "block_ids">;

/** Identities; their `agent_ids` and `block_ids` live in `identities_agents` and `identities_blocks`. */
export function createIdentityRepository(context: SqlContext): IdentityRepository {
  const { db, dialect } = context;

  /** Decodes rows and attaches their agent and block ids. */
  async function hydrate(handle: SqlDb, rows: readonly object[]): Promise<Identity[]> {
    if (rows.length === 0) return [];
    const identities = rows.map(
      (row) => decodeColumns(IDENTITY_COLUMNS, row as Record<string, unknown>, dialect) as IdentityRow,
    );
    const ids = identities.map((identity) => identity.id);
    const agents = await handle
      .selectFrom("identities_agents")
      .select(["identity_id", "agent_id"])
      .where("identity_id", "in", ids)
      .orderBy("agent_id")
      .execute();
    const blocks = await handle
      .selectFrom("identities_blocks")
      .select(["identity_id", "block_id"])
      .where("identity_id", "in", ids)
      .orderBy("block_id")
      .execute();
    return identities.map((identity) => ({
      ...identity,
      agent_ids: agents.filter((link) => link.identity_id === identity.id).map((link) => link.agent_id),
      block_ids: blocks.filter((link) => link.identity_id === identity.id).map((link) => link.block_id),
    }));
  }

  async function replaceLinks(
    tx: SqlDb,
    id: string,
    links: Partial<Pick<Identity, "agent_ids" | "block_ids">>,
  ) {
    if (links.agent_ids !== undefined) {
      const agentIds = [...new Set(links.agent_ids)];
      await requireInOrganization(tx, "agents", agentIds, "Agent");
      await tx.deleteFrom("identities_agents").where("identity_id", "=", id).execute();
      if (agentIds.length > 0) {
        await tx
          .insertInto("identities_agents")
          .values(agentIds.map((agentId) => ({ identity_id: id, agent_id: agentId })))
          .execute();
      }
    }
    if (links.block_ids !== undefined) {
      const blockIds = [...new Set(links.block_ids)];
      await requireInOrganization(tx, "blocks", blockIds, "Block");
      await tx.deleteFrom("identities_blocks").where("identity_id", "=", id).execute();
      if (blockIds.length > 0) {
        await tx
          .insertInto("identities_blocks")
          .values(blockIds.map((blockId) => ({ identity_id: id, block_id: blockId })))
          .execute();
      }
    }
  }

  const getWith = async (handle: SqlDb, id: string) => {
    const row = await handle
      .selectFrom("identities")
      .selectAll()
      .where("id", "=", id)
      .where("organization_id", "=", currentOrganization())
      .executeTakeFirst();
    return row === undefined ? undefined : (await hydrate(handle, [row]))[0];
  };

  return {
    async create(identity) {
      await withTransaction(db, async (tx) => {
        // Identities carry no timestamps; created_at only orders them for paging.
        const row = {
          ...encodeColumns(IDENTITY_COLUMNS, identity, dialect),
          organization_id: currentOrganization(),
          created_at: dialect.encodeTimestamp(nowIso(context)),
        };
        await tx
          .insertInto("identities")
          .values(row as Insertable<IdentitiesTable>)
          .execute();
        await replaceLinks(tx, identity.id, identity);
      });
      return identity;
    },

    get: (id) => getWith(db, id),

    async list(query: IdentityListQuery) {
      let select = db
        .selectFrom("identities")
        .selectAll("identities")
        .where("identities.organization_id", "=", currentOrganization());
      if (query.name !== undefined) select = select.where("identities.name", "=", query.name);
      if (query.identifier_key !== undefined) {
        select = select.where("identities.identifier_key", "=", query.identifier_key);
      }
      if (query.identity_type !== undefined) {
        select = select.where("identities.identity_type", "=", query.identity_type);
      }
      if (query.project_id !== undefined)
        select = select.where("identities.project_id", "=", query.project_id);
      const paged = await listPage(db, select, query, byCreation("identities"));
      return hydrate(db, paged);
    },

    async update(id, patch) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const exists = await tx
          .selectFrom("identities")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (exists === undefined) return undefined;
        const values = encodeColumns(IDENTITY_COLUMNS, { ...patch, id: undefined }, dialect);
        if (Object.keys(values).length > 0) {
          await tx
            .updateTable("identities")
            .set(values as Updateable<IdentitiesTable>)
            .where("id", "=", id)
            .execute();
        }
        await replaceLinks(tx, id, patch);
        return getWith(tx, id);
      });
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("identities")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        await tx.deleteFrom("identities_agents").where("identity_id", "=", id).execute();
        await tx.deleteFrom("identities_blocks").where("identity_id", "=", id).execute();
        const result = await tx.deleteFrom("identities").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async listForAgent(agentId) {
      const rows = await db
        .selectFrom("identities_agents")
        .innerJoin("identities", "identities.id", "identities_agents.identity_id")
        .selectAll("identities")
        .where("identities_agents.agent_id", "=", agentId)
        .where("identities.organization_id", "=", currentOrganization())
        .orderBy("identities.created_at")
        .orderBy("identities.id")
        .execute();
      return hydrate(db, rows);
    },

    async attach(agentId, identityId) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const identity = await tx
          .selectFrom("identities")
          .select("id")
          .where("id", "=", identityId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (identity === undefined) throw notFound("Identity", identityId);
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) throw notFound("Agent", agentId);
        await tx
          .insertInto("identities_agents")
          .values({ agent_id: agentId, identity_id: identityId })
          .onConflict((conflict) => conflict.columns(["agent_id", "identity_id"]).doNothing())
          .execute();
      });
    },

    async detach(agentId, identityId) {
      const result = await db
        .deleteFrom("identities_agents")
        .where("agent_id", "=", agentId)
        .where("identity_id", "=", identityId)
        .where(rowInOrganization("agents", agentId, currentOrganization()))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
