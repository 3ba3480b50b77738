import { z } from "zod";
import { ApprovalSchema, ImageContentSchema, TextContentSchema } from "./message.js";

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

/** Letta's usage statistics of a response. */
export interface LettaUsage {
  message_type: "usage_statistics";
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  step_count: number;
  run_ids: string[];
  cached_input_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  context_tokens: number | null;
}
