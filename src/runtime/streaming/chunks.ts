import type { LettaUsage, Run, StopReason } from "../../domain/index.js";

/**
 * One chunk of a run's stream as it goes on the wire: a message view (whole, or a token delta sharing
 * the message's `id` and `otid`), a stop reason, usage statistics, an error, or a ping. Every chunk
 * carries its run and a per-run `seq_id` (pings repeat the last one).
 */
export interface StreamChunk {
  message_type: string;
  run_id: string;
  seq_id: number;
  [field: string]: unknown;
}

/** A chunk before the run's stream numbers it. */
export type ChunkBody = { message_type: string } & Record<string, unknown>;

/** `{"message_type":"stop_reason"}`: the first chunk of a stream's end sequence. */
export function stopReasonChunk(stopReason: StopReason): ChunkBody {
  return { message_type: "stop_reason", stop_reason: stopReason };
}

/** Letta's `usage_statistics` chunk, which follows the stop reason. */
export function usageChunk(usage: LettaUsage): ChunkBody {
  return { ...usage, message_type: "usage_statistics" };
}

/** Letta's `error_message` (sent as `event: error`) for a run that failed, from what the run recorded. */
export function errorChunk(run: Pick<Run, "metadata"> & Partial<Pick<Run, "stop_reason">>): ChunkBody {
  const recorded = (run.metadata?.error ?? undefined) as
    | { error_type?: string; message?: string; detail?: string }
    | undefined;
  // A run can fail without an exception (an empty model answer): its stop reason says why.
  const message = recorded?.message ?? `The run stopped: ${run.stop_reason ?? "error"}`;
  return {
    message_type: "error_message",
    error_type: recorded?.error_type ?? run.stop_reason ?? "internal_error",
    message,
    detail: recorded?.detail ?? message,
  };
}

/** True for the chunk the SSE writer sends as `event: error`. */
export function isErrorChunk(chunk: StreamChunk): boolean {
  return chunk.message_type === "error_message";
}
