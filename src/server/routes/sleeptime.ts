import { z } from "zod";
import { JobSchema, RunSchema } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";

const BlockChangeSchema = z.object({
  block_id: z.string(),
  label: z.string(),
  before: z.string().nullable(),
  after: z.string(),
  diff: z.string().describe("Line diff: lines prefixed with '-' (removed), '+' (added) or ' ' (kept)"),
  edits: z.number().int(),
});

const SleeptimeChangesSchema = z.object({
  agent_id: z.string(),
  sleeptime_agent_id: z.string(),
  run: RunSchema.nullable(),
  changes: z.array(BlockChangeSchema),
});

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
      query: z.object({ run_id: z.string().optional() }),
      response: SleeptimeChangesSchema,
      handle: ({ params, query }) => sleeptime.changes(params.agent_id, query.run_id),
    }),
  ];
}
