import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";

/** A thread of an agent with its own in-context window over the agent's shared memory. */
export const ConversationSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  description: z.string().nullable(),
  summary: z.string().nullable(),
  archived: z.boolean(),
  archived_at: TimestampSchema.nullable(),
  hidden: z.boolean(),
  model: z.string().nullable(),
  model_settings: MetadataSchema.nullable(),
  context_window_limit: z.number().int().nullable(),
  in_context_message_ids: z.array(z.string()),
  isolated_block_ids: z.array(z.string()),
  last_message_at: TimestampSchema.nullable(),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Conversation = z.infer<typeof ConversationSchema>;
