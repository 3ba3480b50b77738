import type { Step } from "../../domain/index.js";
import type { StepListQuery, StepRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { insertRow, runCached, updateRowById } from "./query-cache.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import type { SqlContext } from "./sql-context.js";

const STEP_COLUMNS: ColumnKinds = {
  id: "plain",
  agent_id: "plain",
  run_id: "plain",
  status: "plain",
  model: "plain",
  model_handle: "plain",
  model_endpoint: "plain",
  provider_name: "plain",
  provider_category: "plain",
  context_window_limit: "number",
  prompt_tokens: "number",
  completion_tokens: "number",
  total_tokens: "number",
  cached_input_tokens: "number",
  cache_write_tokens: "number",
  reasoning_tokens: "number",
  stop_reason: "plain",
  error_type: "plain",
  error_data: "json",
  feedback: "plain",
  tags: "json",
  trace_id: "plain",
  created_at: "timestamp",
};

/** Steps (one LLM call each, with its usage). */
export function createStepRepository(context: SqlContext): StepRepository {
  const { db, dialect } = context;
  const decode = (row: object) =>
    decodeColumns(STEP_COLUMNS, row as Record<string, unknown>, dialect) as Step;

  return {
    async create(step) {
      const row = { ...encodeColumns(STEP_COLUMNS, step, dialect), organization_id: currentOrganization() };
      await insertRow(db, dialect, "steps", row);
      return step;
    },

    async get(id) {
      const [row] = await runCached(db, dialect, "steps.get", [id, currentOrganization()], ([key, org]) =>
        db
          .selectFrom("steps")
          .selectAll()
          .where("id", "=", key as string)
          .where("organization_id", "=", org as string),
      );
      return row === undefined ? undefined : decode(row);
    },

    async list(query: StepListQuery) {
      let select = db
        .selectFrom("steps")
        .selectAll("steps")
        .where("steps.organization_id", "=", currentOrganization());
      if (query.agent_id !== undefined) select = select.where("steps.agent_id", "=", query.agent_id);
      if (query.run_id !== undefined) select = select.where("steps.run_id", "=", query.run_id);
      if (query.model !== undefined) select = select.where("steps.model", "=", query.model);
      if (query.feedback !== undefined) select = select.where("steps.feedback", "=", query.feedback);
      if (query.start_date !== undefined) {
        select = select.where("steps.created_at", ">=", dialect.encodeTimestamp(query.start_date));
      }
      if (query.end_date !== undefined) {
        select = select.where("steps.created_at", "<=", dialect.encodeTimestamp(query.end_date));
      }
      const paged = await listPage(db, select, query, byCreation("steps"));
      return paged.map(decode);
    },

    async update(id, patch) {
      const values = encodeColumns(STEP_COLUMNS, patch, dialect);
      if (Object.keys(values).length === 0) return this.get(id);
      const row = await updateRowById(db, dialect, "steps", id, values, true);
      return row === undefined ? undefined : decode(row);
    },
  };
}
