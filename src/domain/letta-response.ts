import { z } from "zod";
import { LettaMessageSchema } from "./message-views.js";
import { StopReasonSchema } from "./run.js";

/** Letta's usage statistics of a response (also the `usage_statistics` stream chunk). */
export const LettaUsageSchema = z.object({
  message_type: z.literal("usage_statistics"),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  step_count: z.number().int(),
  run_ids: z.array(z.string()),
  cached_input_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
  reasoning_tokens: z.number().int(),
  context_tokens: z.number().int().nullable(),
});
export type LettaUsage = z.output<typeof LettaUsageSchema>;

/** Letta's `LettaStopReason`: why the turn ended. */
export const LettaStopReasonSchema = z.object({
  message_type: z.literal("stop_reason"),
  stop_reason: StopReasonSchema,
});

/** Letta's `LettaErrorMessage`: why a run failed (the stream's `event: error`, a failed send's last message). */
export const LettaErrorMessageSchema = z.object({
  message_type: z.literal("error_message"),
  run_id: z.string(),
  error_type: z.string(),
  message: z.string(),
  detail: z.string().optional(),
});
export type LettaErrorMessage = z.output<typeof LettaErrorMessageSchema>;

/**
 * Letta's `LettaResponse`: the messages of one turn, why it stopped, and what it cost. A turn that
 * failed (`stop_reason` `llm_api_error`, `error`...) still answers 200; its last message is then a
 * `LettaErrorMessage` saying why.
 */
export const LettaResponseSchema = z.object({
  messages: z.array(z.union([LettaMessageSchema, LettaErrorMessageSchema])),
  stop_reason: LettaStopReasonSchema,
  usage: LettaUsageSchema,
});
export type LettaResponse = z.output<typeof LettaResponseSchema>;
