import { z } from "zod";
import { TimestampSchema } from "./common.js";

export const MessageRoleSchema = z.enum(["system", "user", "assistant", "tool", "approval", "summary"]);
export type MessageRole = z.infer<typeof MessageRoleSchema>;

export const TextContentSchema = z.object({ type: z.literal("text"), text: z.string() });

export const ImageContentSchema = z.object({
  type: z.literal("image"),
  source: z.union([
    z.object({ type: z.literal("url"), url: z.string() }),
    z.object({
      type: z.literal("base64"),
      media_type: z.string(),
      data: z.string(),
      detail: z.string().nullable().optional(),
    }),
    z.object({ type: z.literal("letta"), file_id: z.string() }),
  ]),
});

export const ReasoningContentSchema = z.object({
  type: z.literal("reasoning"),
  reasoning: z.string(),
  is_native: z.boolean().optional(),
  signature: z.string().nullable().optional(),
});

export const RedactedReasoningContentSchema = z.object({
  type: z.literal("redacted_reasoning"),
  data: z.string(),
});

export const OmittedReasoningContentSchema = z.object({ type: z.literal("omitted_reasoning") });

/** A part of a stored message's content. */
export const MessageContentSchema = z.discriminatedUnion("type", [
  TextContentSchema,
  ImageContentSchema,
  ReasoningContentSchema,
  RedactedReasoningContentSchema,
  OmittedReasoningContentSchema,
]);
export type MessageContent = z.infer<typeof MessageContentSchema>;

/** A tool call the model made, in OpenAI form; `arguments` is the raw JSON text the model produced. */
export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

/** The result of one tool call (server-side execution or a client tool's return). */
export const ToolReturnSchema = z.object({
  tool_call_id: z.string(),
  status: z.enum(["success", "error"]),
  func_response: z.string(),
  stdout: z.array(z.string()).nullable().optional(),
  stderr: z.array(z.string()).nullable().optional(),
});
export type ToolReturn = z.infer<typeof ToolReturnSchema>;

/** A decision on a pending approval request: approve or deny a server tool, or a client tool's result. */
export const ApprovalSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("approval"),
    tool_call_id: z.string(),
    approve: z.boolean(),
    reason: z.string().nullable().optional(),
  }),
  z.object({
    type: z.literal("tool"),
    tool_call_id: z.string(),
    status: z.enum(["success", "error"]),
    tool_return: z.union([z.string(), z.array(z.unknown())]),
    stdout: z.array(z.string()).nullable().optional(),
    stderr: z.array(z.string()).nullable().optional(),
  }),
]);
export type Approval = z.infer<typeof ApprovalSchema>;

/**
 * The one internal form of a message. Letta's message views (user_message, assistant_message,
 * reasoning_message, tool_call_message, tool_return_message, approval_*...) are derived from it.
 */
export const MessageSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  conversation_id: z.string().nullable(),
  role: MessageRoleSchema,
  content: z.array(MessageContentSchema),
  name: z.string().nullable(),
  tool_calls: z.array(ToolCallSchema).nullable(),
  tool_call_id: z.string().nullable(),
  tool_returns: z.array(ToolReturnSchema).nullable(),
  approvals: z.array(ApprovalSchema).nullable(),
  otid: z.string().nullable(),
  sender_id: z.string().nullable(),
  group_id: z.string().nullable(),
  run_id: z.string().nullable(),
  step_id: z.string().nullable(),
  model: z.string().nullable(),
  is_err: z.boolean().nullable(),
  created_at: TimestampSchema,
  /** Monotonic position across the whole store: the cursor for ordering and paging. */
  sequence_id: z.number().int(),
});
export type Message = z.infer<typeof MessageSchema>;

/** A message as handed to the store: the store assigns `sequence_id`. */
export type NewMessage = Omit<Message, "sequence_id">;

/** A new message with every optional field empty; `fields` sets the rest. */
export function newMessageRecord(
  fields: Pick<NewMessage, "id" | "agent_id" | "role" | "created_at"> & Partial<NewMessage>,
): NewMessage {
  return {
    conversation_id: null,
    content: [],
    name: null,
    tool_calls: null,
    tool_call_id: null,
    tool_returns: null,
    approvals: null,
    otid: null,
    sender_id: null,
    group_id: null,
    run_id: null,
    step_id: null,
    model: null,
    is_err: null,
    ...fields,
  };
}
