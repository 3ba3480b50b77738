import type { Expression, Insertable, SqlBool, Updateable } from "kysely";
import { type Actor, type Block, type BlockRevision, notFound, ReverieError } from "../../domain/index.js";
import type { BlockListQuery, BlockRepository, RevisionChange } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import type { SqlDb } from "./dialect.js";
import { byCreation, listPage } from "./paging.js";
import { runCached } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, definedFields, encodeColumns } from "./row-codec.js";
import { nowIso, type SqlContext } from "./sql-context.js";
import type { BlockRevisionsTable, BlocksTable } from "./tables.js";
import { rowInOrganization } from "./tenant-tables.js";
import { withTransaction } from "./with-transaction.js";

const BLOCK_COLUMNS: ColumnKinds = {
  id: "plain",
  label: "plain",
  value: "plain",
  limit: "number",
  description: "plain",
  read_only: "bool",
  hidden: "bool",
  metadata: "json",
  tags: "json",
  is_template: "bool",
  template_name: "plain",
  project_id: "plain",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

const REVISION_COLUMNS: ColumnKinds = {
  id: "plain",
  block_id: "plain",
  seq: "number",
  actor_type: "plain",
  actor_id: "plain",
  run_id: "plain",
  old_value: "plain",
  new_value: "plain",
  old_label: "plain",
  new_label: "plain",
  operation: "plain",
  target_seq: "number",
  undo_seq: "number",
  redo_seq: "number",
  created_at: "timestamp",
};

/** Core-memory blocks, their attachments (`blocks_agents`, ordered by `position`) and their revisions. */
export function createBlockRepository(context: SqlContext): BlockRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(BLOCK_COLUMNS, row as Record<string, unknown>, dialect) as Block;
  const decodeRevision = (row: object) =>
    decodeColumns(REVISION_COLUMNS, row as Record<string, unknown>, dialect) as BlockRevision;

  async function revisionWhere(
    tx: SqlDb,
    blockId: string,
    where: { seq: number } | { id: string } | "latest",
  ): Promise<BlockRevision | undefined> {
    let select = tx
      .selectFrom("block_revisions")
      .selectAll()
      .where("block_id", "=", blockId)
      .where("organization_id", "=", currentOrganization());
    if (where === "latest") select = select.orderBy("seq", "desc").limit(1);
    else if ("seq" in where) select = select.where("seq", "=", where.seq);
    else select = select.where("id", "=", where.id);
    const row = await select.executeTakeFirst();
    return row === undefined ? undefined : decodeRevision(row);
  }

  /**
   * The undo and redo stacks after a write, from the stacks after the previous revision. A stack is
   * kept as its top only: what lies under an edit on the undo stack is the undo top just before that
   * edit was made, and what lies under an undone edit on the redo stack is the redo top just before its
   * latest undo; both are read back from those revisions.
   */
  async function stacksAfter(
    tx: SqlDb,
    blockId: string,
    last: BlockRevision | undefined,
    seq: number,
    changed: boolean,
    change: RevisionChange | undefined,
  ): Promise<Pick<BlockRevision, "undo_seq" | "redo_seq">> {
    const undoTop = last?.undo_seq ?? null;
    const redoTop = last?.redo_seq ?? null;
    const moved = () =>
      new ReverieError("conflict", `Block '${blockId}' changed meanwhile; read its history again and retry`);
    if (change?.operation === "undo") {
      if (undoTop !== change.target_seq) throw moved();
      const before = await revisionWhere(tx, blockId, { seq: change.target_seq - 1 });
      return { undo_seq: before?.undo_seq ?? null, redo_seq: change.target_seq };
    }
    if (change?.operation === "redo") {
      if (redoTop !== change.target_seq) throw moved();
      const undone = await tx
        .selectFrom("block_revisions")
        .select("seq")
        .where("block_id", "=", blockId)
        .where("operation", "=", "undo")
        .where("target_seq", "=", change.target_seq)
        .orderBy("seq", "desc")
        .executeTakeFirst();
      const before =
        undone === undefined ? undefined : await revisionWhere(tx, blockId, { seq: Number(undone.seq) - 1 });
      return { undo_seq: change.target_seq, redo_seq: before?.redo_seq ?? null };
    }
    // An edit or a restore that changes the value or label is the new top of the undo stack and makes
    // what was undone unreachable; one that changes neither (a limit, a description) leaves both alone.
    return changed ? { undo_seq: seq, redo_seq: null } : { undo_seq: undoTop, redo_seq: redoTop };
  }

  async function appendRevision(
    tx: SqlDb,
    blockId: string,
    before: Pick<Block, "value" | "label"> | null,
    after: Pick<Block, "value" | "label">,
    actor: Actor,
    at: string,
    change?: RevisionChange,
  ): Promise<BlockRevision> {
    const last = await revisionWhere(tx, blockId, "latest");
    const seq = (last?.seq ?? 0) + 1;
    const changed = before !== null && (before.value !== after.value || before.label !== after.label);
    const stacks =
      before === null
        ? { undo_seq: null, redo_seq: null }
        : await stacksAfter(tx, blockId, last, seq, changed, change);
    const revision: BlockRevision = {
      id: context.ids.next("revision"),
      block_id: blockId,
      seq,
      actor_type: actor.type,
      actor_id: actor.id,
      run_id: actor.run_id ?? null,
      old_value: before?.value ?? null,
      new_value: after.value,
      old_label: before?.label ?? null,
      new_label: after.label,
      operation: before === null ? "create" : (change?.operation ?? "edit"),
      target_seq: change?.target_seq ?? null,
      ...stacks,
      created_at: at,
    };
    await tx
      .insertInto("block_revisions")
      .values({
        ...encodeColumns(REVISION_COLUMNS, revision, dialect),
        organization_id: currentOrganization(),
      } as Insertable<BlockRevisionsTable>)
      .execute();
    return revision;
  }

  /** Whether an agent that has `blockId` attached also has another block labelled `label`. */
  async function labelTakenForAttachedAgents(tx: SqlDb, blockId: string, label: string): Promise<boolean> {
    const clash = await tx
      .selectFrom("blocks_agents as mine")
      .innerJoin("blocks_agents as other", "other.agent_id", "mine.agent_id")
      .innerJoin("blocks", "blocks.id", "other.block_id")
      .select("blocks.id")
      .where("mine.block_id", "=", blockId)
      .where("other.block_id", "!=", blockId)
      .where("blocks.label", "=", label)
      .executeTakeFirst();
    return clash !== undefined;
  }

  const filtered = (query: BlockListQuery) => {
    let select = db.selectFrom("blocks").where("blocks.organization_id", "=", currentOrganization());
    if (query.label !== undefined) select = select.where("blocks.label", "=", query.label);
    if (query.project_id !== undefined) select = select.where("blocks.project_id", "=", query.project_id);
    if (query.templates_only) select = select.where("blocks.is_template", "=", dialect.encodeBool(true));
    if (query.label_search) {
      const text = query.label_search;
      select = select.where((eb) => dialect.containsInsensitive(eb.ref("blocks.label"), text));
    }
    if (query.value_search) {
      const text = query.value_search;
      select = select.where((eb) => dialect.containsInsensitive(eb.ref("blocks.value"), text));
    }
    if (query.tags !== undefined && query.tags.length > 0) {
      const tags = query.tags;
      const all = query.match_all_tags ?? false;
      select = select.where((eb) => {
        const tests: Expression<SqlBool>[] = tags.map((tag) =>
          dialect.jsonArrayContains(eb.ref("blocks.tags"), tag),
        );
        return all ? eb.and(tests) : eb.or(tests);
      });
    }
    return select;
  };

  return {
    async create(block, actor) {
      await withTransaction(db, async (tx) => {
        await tx
          .insertInto("blocks")
          .values({
            ...encodeColumns(BLOCK_COLUMNS, block, dialect),
            organization_id: currentOrganization(),
          } as Insertable<BlocksTable>)
          .execute();
        await appendRevision(tx, block.id, null, block, actor, block.updated_at);
      });
      return block;
    },

    async get(id) {
      const row = await db
        .selectFrom("blocks")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom("blocks")
        .selectAll()
        .where("id", "in", [...ids])
        .where("organization_id", "=", currentOrganization())
        .execute();
      const byId = new Map(rows.map((row) => [row.id, decode(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    async list(query) {
      const select = await listPage(db, filtered(query).selectAll("blocks"), query, byCreation("blocks"));
      return select.map(decode);
    },

    async update(id, patch, actor, change) {
      const updatedAt = patch.updated_at ?? nowIso(context);
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        // Write first: that takes the row lock (PostgreSQL) before the "before" value is read (in the
        // same statement), so two concurrent updates record a chained history rather than the same old
        // value twice.
        const row = await tx
          .updateTable("blocks")
          .set({ updated_at: dialect.encodeTimestamp(updatedAt) })
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) return undefined;
        const before = decode(row);
        if (patch.label !== undefined && patch.label !== before.label) {
          if (await labelTakenForAttachedAgents(tx, id, patch.label)) {
            throw new ReverieError(
              "conflict",
              `An attached agent already has a block labelled '${patch.label}'`,
            );
          }
        }
        const after: Block = {
          ...before,
          ...definedFields(patch),
          updated_at: updatedAt,
        };
        await tx
          .updateTable("blocks")
          .set(
            encodeColumns(
              BLOCK_COLUMNS,
              { ...patch, updated_at: after.updated_at },
              dialect,
            ) as Updateable<BlocksTable>,
          )
          .where("id", "=", id)
          .execute();
        await appendRevision(tx, id, before, after, actor, after.updated_at, change);
        return after;
      });
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const owned = await tx
          .selectFrom("blocks")
          .select("id")
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (owned === undefined) return false;
        await tx.deleteFrom("blocks_agents").where("block_id", "=", id).execute();
        await tx.deleteFrom("identities_blocks").where("block_id", "=", id).execute();
        const result = await tx.deleteFrom("blocks").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async listForAgent(agentId) {
      const rows = await runCached(
        db,
        dialect,
        "blocks.listForAgent",
        [agentId, currentOrganization()],
        ([agent, org]) =>
          db
            .selectFrom("blocks_agents")
            .innerJoin("blocks", "blocks.id", "blocks_agents.block_id")
            .selectAll("blocks")
            .where("blocks_agents.agent_id", "=", agent as string)
            .where("blocks.organization_id", "=", org as string)
            .orderBy("blocks_agents.position"),
      );
      return rows.map(decode);
    },

    async getForAgentByLabel(agentId, label) {
      const row = await db
        .selectFrom("blocks_agents")
        .innerJoin("blocks", "blocks.id", "blocks_agents.block_id")
        .selectAll("blocks")
        .where("blocks_agents.agent_id", "=", agentId)
        .where("blocks.label", "=", label)
        .where("blocks.organization_id", "=", currentOrganization())
        .executeTakeFirst();
      return row === undefined ? undefined : decode(row);
    },

    async attach(agentId, blockId) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const block = await tx
          .selectFrom("blocks")
          .select("label")
          .where("id", "=", blockId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (block === undefined) throw notFound("Block", blockId);
        const agent = await tx
          .selectFrom("agents")
          .select("id")
          .where("id", "=", agentId)
          .where("organization_id", "=", organization)
          .executeTakeFirst();
        if (agent === undefined) throw notFound("Agent", agentId);
        const sameLabel = await tx
          .selectFrom("blocks_agents")
          .innerJoin("blocks", "blocks.id", "blocks_agents.block_id")
          .select("blocks.id")
          .where("blocks_agents.agent_id", "=", agentId)
          .where("blocks.label", "=", block.label)
          .executeTakeFirst();
        if (sameLabel?.id === blockId) return;
        if (sameLabel !== undefined) {
          throw new ReverieError(
            "conflict",
            `Agent '${agentId}' already has a block labelled '${block.label}'`,
          );
        }
        const last = await tx
          .selectFrom("blocks_agents")
          .select((eb) => eb.fn.max("position").as("position"))
          .where("agent_id", "=", agentId)
          .executeTakeFirst();
        const position =
          last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1;
        await tx
          .insertInto("blocks_agents")
          .values({ agent_id: agentId, block_id: blockId, position })
          .execute();
      });
    },

    async detach(agentId, blockId) {
      const result = await db
        .deleteFrom("blocks_agents")
        .where("agent_id", "=", agentId)
        .where("block_id", "=", blockId)
        .where(rowInOrganization("agents", agentId, currentOrganization()))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async agentIds(blockId, page = {}) {
      const select = db
        .selectFrom("blocks_agents")
        .select("blocks_agents.agent_id")
        .where("blocks_agents.block_id", "=", blockId)
        .where(rowInOrganization("blocks", blockId, currentOrganization()));
      const paged = await listPage(
        db,
        select,
        page,
        { table: "blocks_agents", keys: ["agent_id"], idColumn: "agent_id" },
        "asc",
      );
      return paged.map((row) => row.agent_id);
    },

    async revisions(blockId, page = {}) {
      const select = db
        .selectFrom("block_revisions")
        .selectAll()
        .where("block_revisions.block_id", "=", blockId)
        .where("block_revisions.organization_id", "=", currentOrganization());
      const paged = await listPage(db, select, page, { table: "block_revisions", keys: ["seq"] });
      return paged.map(decodeRevision);
    },

    getRevision: (blockId, revisionId) => revisionWhere(db, blockId, { id: revisionId }),

    revisionAt: (blockId, seq) => revisionWhere(db, blockId, { seq }),

    latestRevision: (blockId) => revisionWhere(db, blockId, "latest"),
  };
}
