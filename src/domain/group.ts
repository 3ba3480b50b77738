import { z } from "zod";
import { pageQuerySchema } from "./query-params.js";
import { RunSchema } from "./run.js";

export const ManagerTypeSchema = z.enum([
  "round_robin",
  "supervisor",
  "dynamic",
  "sleeptime",
  "voice_sleeptime",
  "swarm",
]);

/** A set of agents with a manager; in practice the sleep-time pairing of a primary and its helper. */
export const GroupSchema = z.object({
  id: z.string(),
  manager_type: ManagerTypeSchema,
  agent_ids: z.array(z.string()),
  description: z.string(),
  manager_agent_id: z.string().nullable(),
  sleeptime_agent_frequency: z.number().int().nullable(),
  turns_counter: z.number().int().nullable(),
  last_processed_message_id: z.string().nullable(),
  max_turns: z.number().int().nullable(),
  termination_token: z.string().nullable(),
  max_message_buffer_length: z.number().int().nullable(),
  min_message_buffer_length: z.number().int().nullable(),
  shared_block_ids: z.array(z.string()),
  hidden: z.boolean().nullable(),
  project_id: z.string().nullable(),
});
export type Group = z.infer<typeof GroupSchema>;

/** Letta's `manager_config` of a group update; only the sleep-time manager's settings can change here. */
export const ManagerConfigUpdateSchema = z
  .object({
    manager_type: ManagerTypeSchema.optional(),
    sleeptime_agent_frequency: z.number().int().min(1).nullable().optional(),
    manager_agent_id: z.string().nullable().optional(),
  })
  .loose();

/** `PATCH /v1/groups/{id}` body: the description, and a sleep-time group's frequency. */
export const GroupUpdateSchema = z
  .object({
    description: z.string().nullable().optional(),
    manager_config: ManagerConfigUpdateSchema.nullable().optional(),
  })
  .loose();
export type GroupUpdate = z.output<typeof GroupUpdateSchema>;

/** The filters of `GET /v1/groups/` and `/v1/groups/count`. */
export const GroupFilterQuerySchema = z.object({
  manager_type: ManagerTypeSchema.optional().describe("Only groups with this manager type"),
  project_id: z.string().optional(),
});

/** `GET /v1/groups/` query. */
export const ListGroupsQuerySchema = pageQuerySchema({ order: "asc", limit: 50 }).extend(
  GroupFilterQuerySchema.shape,
);

/** `GET /v1/agents/{id}/groups` query. */
export const AgentGroupsQuerySchema = z.object({ manager_type: ManagerTypeSchema.optional() }).loose();

/** One block as a sleep-time run left it. */
export const BlockChangeSchema = z.object({
  block_id: z.string(),
  label: z.string(),
  /** The value before the run's first edit (null: the run created the block). */
  before: z.string().nullable(),
  after: z.string(),
  diff: z.string().describe("Line diff: lines prefixed with '-' (removed), '+' (added) or ' ' (kept)"),
  /** Edits the run made to this block. */
  edits: z.number().int(),
});
export type BlockChange = z.output<typeof BlockChangeSchema>;

/** What a consolidation changed: the run inspected (null when none ran yet) and its block edits. */
export const SleeptimeChangesSchema = z.object({
  agent_id: z.string(),
  sleeptime_agent_id: z.string(),
  run: RunSchema.nullable(),
  changes: z.array(BlockChangeSchema),
});
export type SleeptimeChanges = z.output<typeof SleeptimeChangesSchema>;

/** `GET /v1/agents/{id}/sleeptime/changes` query. */
export const SleeptimeChangesQuerySchema = z.object({ run_id: z.string().optional() });
