import type { Run } from "../../domain/index.js";
import type { RunListQuery, RunRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { insertRow, runCached, updateRowById } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { matchesNothing, type SqlContext } from "./sql-context.js";

const RUN_COLUMNS: ColumnKinds = {
  id: "plain",
  agent_id: "plain",
  conversation_id: "plain",
  status: "plain",
  stop_reason: "plain",
  background: "bool",
  run_type: "plain",
  request_config: "json",
  metadata: "json",
  callback_url: "plain",
  created_at: "timestamp",
  completed_at: "timestamp",
  total_duration_ns: "number",
  ttft_ns: "number",
};

const UNFINISHED = ["created", "running"] as const;

/** Runs (one request to an agent each). */
export function createRunRepository(context: SqlContext): RunRepository {
  const { db, dialect } = context;
  const decode = (row: object) => decodeColumns(RUN_COLUMNS, row as Record<string, unknown>, dialect) as Run;

  return {
    async create(run) {
      const row = { ...encodeColumns(RUN_COLUMNS, run, dialect), organization_id: currentOrganization() };
      await insertRow(db, dialect, "runs", row);
      return run;
    },

    async get(id) {
      const [row] = await runCached(db, dialect, "runs.get", [id, currentOrganization()], ([key, org]) =>
        db
          .selectFrom("runs")
          .selectAll()
          .where("id", "=", key as string)
          .where("organization_id", "=", org as string),
      );
      return row === undefined ? undefined : decode(row);
    },

    async list(query: RunListQuery) {
      let select = db
        .selectFrom("runs")
        .selectAll("runs")
        .where("runs.organization_id", "=", currentOrganization());
      if (query.agent_id !== undefined) select = select.where("runs.agent_id", "=", query.agent_id);
      if (query.agent_ids !== undefined) {
        select =
          query.agent_ids.length === 0
            ? select.where(matchesNothing)
            : select.where("runs.agent_id", "in", query.agent_ids);
      }
      if (query.conversation_id !== undefined) {
        select = select.where("runs.conversation_id", "=", query.conversation_id);
      }
      if (query.statuses !== undefined) {
        select =
          query.statuses.length === 0
            ? select.where(matchesNothing)
            : select.where("runs.status", "in", query.statuses);
      }
      if (query.background !== undefined) {
        select = select.where("runs.background", "=", dialect.encodeBool(query.background));
      }
      if (query.stop_reason !== undefined) select = select.where("runs.stop_reason", "=", query.stop_reason);
      if (query.run_type !== undefined) select = select.where("runs.run_type", "=", query.run_type);
      const paged = await listPage(db, select, query, byCreation("runs"));
      return paged.map(decode);
    },

    async update(id, patch) {
      const values = encodeColumns(RUN_COLUMNS, patch, dialect);
      if (Object.keys(values).length === 0) return this.get(id);
      const row = await updateRowById(db, dialect, "runs", id, values, true);
      return row === undefined ? undefined : decode(row);
    },

    async listUnfinishedInAllOrganizations(limit, after) {
      let select = db
        .selectFrom("runs")
        .selectAll()
        .where("status", "in", [...UNFINISHED]);
      if (after !== undefined) {
        const createdAt = dialect.encodeTimestamp(after.created_at);
        select = select.where((eb) =>
          eb.or([
            eb("created_at", ">", createdAt),
            eb.and([eb("created_at", "=", createdAt), eb("id", ">", after.id)]),
          ]),
        );
      }
      const rows = await select.orderBy("created_at").orderBy("id").limit(Math.max(0, limit)).execute();
      return rows.map((row) => ({ run: decode(row), organization_id: row.organization_id }));
    },
  };
}
