import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";

/** Letta's stop reasons; each implies a run status. */
export const StopReasonSchema = z.enum([
  "end_turn",
  "error",
  "llm_api_error",
  "invalid_llm_response",
  "invalid_tool_call",
  "max_steps",
  "max_tokens_exceeded",
  "no_tool_call",
  "tool_rule",
  "cancelled",
  "insufficient_credits",
  "requires_approval",
  "context_window_overflow_in_system_prompt",
]);
export type StopReason = z.infer<typeof StopReasonSchema>;

export const RunStatusSchema = z.enum(["created", "running", "completed", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** One request to an agent (a turn), possibly of several steps. */
export const RunSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  conversation_id: z.string().nullable(),
  status: RunStatusSchema,
  stop_reason: StopReasonSchema.nullable(),
  background: z.boolean().nullable(),
  run_type: z.string(),
  request_config: MetadataSchema.nullable(),
  metadata: MetadataSchema.nullable(),
  callback_url: z.string().nullable(),
  created_at: TimestampSchema,
  completed_at: TimestampSchema.nullable(),
  total_duration_ns: z.number().nullable(),
  ttft_ns: z.number().nullable(),
});
export type Run = z.infer<typeof RunSchema>;

export const StepStatusSchema = z.enum(["pending", "success", "failed", "cancelled"]);

/** One LLM call inside a run, with its usage. */
export const StepSchema = z.object({
  id: z.string(),
  agent_id: z.string(),
  run_id: z.string(),
  status: StepStatusSchema,
  model: z.string().nullable(),
  model_handle: z.string().nullable(),
  model_endpoint: z.string().nullable(),
  provider_name: z.string().nullable(),
  provider_category: z.string().nullable(),
  context_window_limit: z.number().int().nullable(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cached_input_tokens: z.number().int().nullable(),
  cache_write_tokens: z.number().int().nullable(),
  reasoning_tokens: z.number().int().nullable(),
  stop_reason: StopReasonSchema.nullable(),
  error_type: z.string().nullable(),
  error_data: MetadataSchema.nullable(),
  feedback: z.enum(["positive", "negative"]).nullable(),
  tags: z.array(z.string()),
  trace_id: z.string().nullable(),
  created_at: TimestampSchema,
});
export type Step = z.infer<typeof StepSchema>;
