import { z } from "zod";

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
