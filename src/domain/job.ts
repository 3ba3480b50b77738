import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";

export const JobStatusSchema = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/**
 * Durable background work (sleep-time consolidation, re-embedding, background runs). Claimed with a lease:
 * a job whose worker died is taken again once the lease expires. `concurrency_key` allows at most one
 * queued-or-running job per key (for example one sleep-time job per agent).
 */
export const JobSchema = z.object({
  id: z.string(),
  /** The organization the job works for: the worker runs it in that organization's scope. */
  organization_id: z.string(),
  kind: z.string(),
  payload: MetadataSchema,
  status: JobStatusSchema,
  concurrency_key: z.string().nullable(),
  priority: z.number().int(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  run_after: TimestampSchema,
  lease_owner: z.string().nullable(),
  lease_expires_at: TimestampSchema.nullable(),
  last_error: z.string().nullable(),
  result: MetadataSchema.nullable(),
  progress: MetadataSchema.nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  finished_at: TimestampSchema.nullable(),
});
export type Job = z.infer<typeof JobSchema>;

export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  concurrency_key?: string | null;
  priority?: number;
  max_attempts?: number;
  run_after?: string;
}
