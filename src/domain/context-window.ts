import { z } from "zod";
import { MessageSchema } from "./message.js";

/** A tool as the model sees it: OpenAI's function-tool shape. */
const FunctionToolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()),
  }),
});

/** `GET /v1/agents/{id}/context` query. */
export const ContextWindowQuerySchema = z.object({ conversation_id: z.string().nullable().optional() });

/**
 * Letta's ContextWindowOverview: what the next request would hold, section by section. The token
 * sections add up to `context_window_size_current`. `messages` are the stored in-context messages
 * (the system message first), as Letta returns them.
 */
export const ContextWindowOverviewSchema = z.object({
  context_window_size_max: z.number().int(),
  context_window_size_current: z.number().int(),
  num_messages: z.number().int(),
  num_archival_memory: z.number().int(),
  num_recall_memory: z.number().int(),
  num_tokens_external_memory_summary: z.number().int(),
  external_memory_summary: z.string(),
  num_tokens_system: z.number().int(),
  system_prompt: z.string(),
  num_tokens_core_memory: z.number().int(),
  core_memory: z.string(),
  num_tokens_memory_filesystem: z.number().int(),
  memory_filesystem: z.string().nullable(),
  num_tokens_tool_usage_rules: z.number().int(),
  tool_usage_rules: z.string().nullable(),
  num_tokens_directories: z.number().int(),
  directories: z.string().nullable(),
  num_tokens_summary_memory: z.number().int(),
  summary_memory: z.string().nullable(),
  num_tokens_functions_definitions: z.number().int(),
  functions_definitions: z.array(FunctionToolSchema).nullable(),
  num_tokens_messages: z.number().int(),
  messages: z.array(MessageSchema),
});
export type ContextWindowOverview = z.infer<typeof ContextWindowOverviewSchema>;
