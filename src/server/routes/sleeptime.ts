import { JobSchema, SleeptimeChangesQuerySchema, SleeptimeChangesSchema } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** Reverie's own sleep-time endpoints: consolidate now, and see what a consolidation changed. */
export function sleeptimeRoutes(services: Services): AnyRoute[] {
  const { sleeptime } = services;
  return [
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/sleeptime/run",
      operationId: "run_sleeptime",
      summary: "Queue the agent's sleep-time consolidation now; returns its durable job",
      tag: "sleeptime",
      response: JobSchema,
      handle: ({ params }) => sleeptime.runNow(params.agent_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/sleeptime/changes",
      operationId: "list_sleeptime_changes",
      summary: "The block edits of the latest sleep-time run (or of run_id), with line diffs",
      tag: "sleeptime",
      query: SleeptimeChangesQuerySchema,
      response: SleeptimeChangesSchema,
      handle: ({ params, query }) => sleeptime.changes(params.agent_id, query.run_id),
    }),
  ];
}
