import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { pageQuerySchema, queryArray, queryBoolean } from "./query-params.js";

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

/** `GET /v1/runs/` query. `active` means only runs still going (created or running). */
export const ListRunsQuerySchema = pageQuerySchema({ order: "desc", limit: 100 }).extend({
  agent_id: z.string().optional(),
  agent_ids: queryArray().optional(),
  conversation_id: z.string().optional(),
  statuses: z.array(RunStatusSchema).optional(),
  background: queryBoolean().optional(),
  active: queryBoolean().optional(),
  stop_reason: z.string().optional(),
});
export type ListRunsQuery = z.output<typeof ListRunsQuerySchema>;

/** `GET /v1/runs/{id}/messages` query. */
export const ListRunMessagesQuerySchema = pageQuerySchema({ order: "asc", limit: 100 }).extend({
  include_return_message_types: queryArray().optional(),
});

/** `GET /v1/runs/{id}/steps` query. */
export const ListRunStepsQuerySchema = pageQuerySchema({ order: "asc", limit: 100 });

/** `GET /v1/steps/` query. */
export const ListStepsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  agent_id: z.string().optional(),
  run_id: z.string().optional(),
  model: z.string().optional(),
  start_date: z.string().optional(),
  end_date: z.string().optional(),
  feedback: z.enum(["positive", "negative"]).optional(),
});

/** `GET /v1/runs/{id}/usage`: a run's token totals over its steps. */
export const RunUsageSchema = z.object({
  completion_tokens: z.number().int(),
  prompt_tokens: z.number().int(),
  total_tokens: z.number().int(),
  step_count: z.number().int(),
  cached_input_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
  reasoning_tokens: z.number().int(),
});
export type RunUsage = z.output<typeof RunUsageSchema>;
