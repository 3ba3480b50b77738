import { z } from "zod";
import { ApprovalSchema, ImageContentSchema, TextContentSchema } from "./message.js";
import { pageQuerySchema, queryArray, queryBoolean } from "./query-params.js";

const ContentSchema = z.union([z.string(), z.array(z.union([TextContentSchema, ImageContentSchema]))]);

/** A new message from the caller (`type: "message"` or no type). */
export const MessageCreateSchema = z.object({
  type: z.literal("message").optional(),
  role: z.enum(["user", "system", "assistant"]),
  content: ContentSchema,
  name: z.string().nullable().optional(),
  otid: z.string().nullable().optional(),
  sender_id: z.string().nullable().optional(),
  group_id: z.string().nullable().optional(),
  batch_item_id: z.string().nullable().optional(),
});

const ToolReturnInputSchema = ApprovalSchema.options[1].omit({ type: true }).extend({
  type: z.literal("tool").optional(),
});

/** Decisions on a pending approval: approvals, denials, or client tools' results (plus the legacy form). */
export const ApprovalCreateSchema = z.object({
  type: z.literal("approval"),
  approvals: z.array(ApprovalSchema).nullable().optional(),
  approve: z.boolean().nullable().optional(),
  approval_request_id: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  otid: z.string().nullable().optional(),
  group_id: z.string().nullable().optional(),
});

/** Sugar for client tools' results. */
export const ToolReturnCreateSchema = z.object({
  type: z.literal("tool_return"),
  tool_returns: z.array(ToolReturnInputSchema),
  otid: z.string().nullable().optional(),
  group_id: z.string().nullable().optional(),
});

export const MessageInputSchema = z.union([
  ApprovalCreateSchema,
  ToolReturnCreateSchema,
  MessageCreateSchema,
]);
export type MessageInput = z.infer<typeof MessageInputSchema>;

/** A tool offered by the caller for this request only; the caller runs it (via approval messages). */
export const ClientToolSchema = z.object({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type ClientTool = z.infer<typeof ClientToolSchema>;

/**
 * A skill of the caller's environment (letta-code sends its own and the project's with every message):
 * listed in the request's system prompt under `<available_skills>`, never stored.
 */
export const ClientSkillSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  location: z.string().describe("Path of the skill's SKILL.md (e.g. skills/my-skill/SKILL.md)"),
});
export type ClientSkill = z.infer<typeof ClientSkillSchema>;

/** Body of `POST /v1/agents/{id}/messages` and its siblings (Letta's LettaRequest). */
export const SendMessageRequestSchema = z.object({
  messages: z.array(MessageInputSchema).nullable().optional(),
  input: ContentSchema.nullable().optional(),
  max_steps: z.number().int().positive().max(1000).optional(),
  include_return_message_types: z.array(z.string()).nullable().optional(),
  client_tools: z.array(ClientToolSchema).nullable().optional(),
  client_skills: z.array(ClientSkillSchema).nullable().optional(),
  use_assistant_message: z.boolean().optional(),
  assistant_message_tool_name: z.string().optional(),
  assistant_message_tool_kwarg: z.string().optional(),
  streaming: z.boolean().optional(),
  stream_tokens: z.boolean().optional(),
  include_pings: z.boolean().optional(),
  background: z.boolean().optional(),
  agent_id: z.string().optional(),
  override_model: z
    .string()
    .nullable()
    .optional()
    .describe("Model handle used for this request instead of the agent's (the agent is not changed)"),
});
export type SendMessageRequest = z.infer<typeof SendMessageRequestSchema>;

/** `GET /v1/agents/{id}/messages` query: a page of the agent's messages as Letta views. */
export const ListAgentMessagesQuerySchema = pageQuerySchema({ order: "desc", limit: 100 }).extend({
  conversation_id: z.string().optional(),
  include_return_message_types: queryArray().optional(),
  use_assistant_message: queryBoolean().optional(),
  assistant_message_tool_name: z.string().optional(),
  assistant_message_tool_kwarg: z.string().optional(),
});

/** `POST /v1/agents/{id}/messages/async` body: a send, plus Letta's (unused) completion callback. */
export const SendMessageAsyncRequestSchema = SendMessageRequestSchema.extend({
  callback_url: z.string().nullable().optional(),
});

/** `POST /v1/agents/{id}/messages/cancel` body: the runs to cancel, or every active run. */
export const CancelAgentRunsRequestSchema = z.object({ run_ids: z.array(z.string()).nullable().optional() });

/** `POST /v1/conversations/{id}/cancel` query. */
export const CancelConversationQuerySchema = z.object({ agent_id: z.string().optional() });

/** Letta's cancellation answer: each cancelled run's id with its outcome. */
export const CancelResponseSchema = z.record(z.string(), z.string());

/** Letta's `RetrieveStreamRequest` (re-attaching to a run's stream). */
export const RetrieveStreamRequestSchema = z.object({
  starting_after: z.number().int().min(0).default(0),
  include_pings: z.boolean().nullable().optional(),
  poll_interval: z.number().positive().nullable().optional(),
  batch_size: z.number().int().positive().nullable().optional(),
});
export type RetrieveStreamRequest = z.output<typeof RetrieveStreamRequestSchema>;

/** Re-attaching to a conversation's stream: its active run, or the one named by `run_id` or `otid`. */
export const ConversationStreamRequestSchema = RetrieveStreamRequestSchema.extend({
  agent_id: z.string().nullable().optional(),
  run_id: z.string().nullable().optional(),
  otid: z.string().nullable().optional(),
});
