import { z } from "zod";
import { CompactionSettingsSchema } from "./agent.js";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { pageQuerySchema, queryArray, queryBoolean } from "./query-params.js";

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

/** `POST /v1/conversations/` body (Letta's CreateConversation). */
export const CreateConversationSchema = z.object({
  description: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  model_settings: MetadataSchema.nullable().optional(),
  context_window_limit: z.number().int().nullable().optional(),
  hidden: z.boolean().nullable().optional(),
  isolated_block_labels: z.array(z.string()).nullable().optional(),
});
export type CreateConversation = z.output<typeof CreateConversationSchema>;

/** `PATCH /v1/conversations/{id}` body (Letta's UpdateConversation). */
export const UpdateConversationSchema = z.object({
  archived: z.boolean().nullable().optional(),
  description: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  last_message_at: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  model_settings: MetadataSchema.nullable().optional(),
  context_window_limit: z.number().int().nullable().optional(),
});
export type UpdateConversation = z.output<typeof UpdateConversationSchema>;

/** `agent_id` names the agent of the `default` conversation (and must match for the others). */
export const ConversationAgentQuerySchema = z.object({ agent_id: z.string().optional() });

/** `POST /v1/conversations/` query: the agent the new conversation belongs to. */
export const CreateConversationQuerySchema = z.object({ agent_id: z.string() });

/** `GET /v1/conversations/` query. `order_by` `last_message_at` sorts by the latest message. */
export const ListConversationsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  agent_id: z.string().optional(),
  archive_status: z.enum(["active", "archived", "all"]).default("active"),
  summary_search: z.string().optional(),
});
export type ListConversationsQuery = z.output<typeof ListConversationsQuerySchema>;

/** `GET /v1/conversations/{id}/messages` query. */
export const ListConversationMessagesQuerySchema = pageQuerySchema({ order: "desc", limit: 100 }).extend({
  agent_id: z.string().optional(),
  group_id: z.string().optional(),
  include_err: queryBoolean().optional(),
  include_return_message_types: queryArray().optional(),
  use_assistant_message: queryBoolean().optional(),
  assistant_message_tool_name: z.string().optional(),
  assistant_message_tool_kwarg: z.string().optional(),
});

/** `POST /v1/conversations/{id}/fork` query. */
export const ForkConversationQuerySchema = z.object({
  agent_id: z.string().optional(),
  hidden: queryBoolean().optional(),
  message_id: z.string().optional(),
});

/** The `dry_run` query of a conversation's recompile: only compile the prompt, store nothing. */
export const RecompileQuerySchema = z.object({ dry_run: queryBoolean().default(false) });

/** The agent's recompile query. The prompt always shows the current time, so `update_timestamp` changes nothing. */
export const RecompileAgentQuerySchema = RecompileQuerySchema.extend({
  update_timestamp: queryBoolean().default(false),
});

/** `PATCH /v1/agents/{id}/reset-messages` body (Reverie adds no default initial messages). */
export const ResetMessagesSchema = z
  .object({ add_default_initial_messages: z.boolean().nullable().optional() })
  .nullable();

/** Letta's conversations CompactionRequest (also the recompile body); a JSON `null` body is allowed. */
export const ConversationWindowRequestSchema = z
  .object({
    agent_id: z.string().nullable().optional(),
    compaction_settings: CompactionSettingsSchema.nullable().optional(),
  })
  .nullable();

/** Letta's agent CompactionRequest (the body may also be empty or null). */
export const CompactionRequestSchema = z
  .object({ compaction_settings: CompactionSettingsSchema.nullable().optional() })
  .nullable();

/** Letta's CompactionResponse. */
export const CompactionResponseSchema = z.object({
  summary: z.string(),
  num_messages_before: z.number().int(),
  num_messages_after: z.number().int(),
});
export type CompactionResponse = z.output<typeof CompactionResponseSchema>;
