import { randomUUID } from "node:crypto";
import { isErrorChunk, type StreamChunk } from "../runtime/streaming/chunks.js";

/** Letta's keepalive interval. */
export const DEFAULT_PING_INTERVAL_MS = 30_000;

/** Options of {@link sseResponse}. */
export interface SseOptions {
  runId: string;
  /** Send a `ping` chunk every `pingIntervalMs` while the stream is open. */
  includePings: boolean;
  pingIntervalMs: number;
  /** The `seq_id` a ping repeats before any chunk went out (a re-attach's `starting_after`). */
  startingAfter?: number | undefined;
  /** The request's signal: the client went away. */
  clientSignal?: AbortSignal | undefined;
  /** Called when the client goes away before the end of the stream. */
  onAbandon?: (() => void) | undefined;
}

const encoder = new TextEncoder();

/** One SSE frame: `data: <json>`, or `event: error` for an error chunk (the SDK throws on it). */
function frame(chunk: StreamChunk | "[DONE]"): Uint8Array {
  if (chunk === "[DONE]") return encoder.encode("data: [DONE]\n\n");
  const prefix = isErrorChunk(chunk) ? "event: error\n" : "";
  return encoder.encode(`${prefix}data: ${JSON.stringify(chunk)}\n\n`);
}

/**
 * Letta's SSE response: `text/event-stream`, `data:` frames with no `event:` line (except errors),
 * pings while waiting, `data: [DONE]` after the end sequence (a failure ends with its `event: error`
 * frame instead), then the body closes.
 * `open` receives a signal that aborts when the client goes away, to stop following the run.
 */
export function sseResponse(
  open: (signal: AbortSignal) => AsyncIterable<StreamChunk>,
  options: SseOptions,
): Response {
  const stop = new AbortController();
  let lastSeq = options.startingAfter ?? 0;
  let finished = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
  const abandon = () => {
    if (finished || stop.signal.aborted) return;
    stop.abort();
    if (timer) clearInterval(timer);
    try {
      sink?.close();
    } catch {
      // already closed or cancelled
    }
    options.onAbandon?.();
  };
  options.clientSignal?.addEventListener("abort", abandon, { once: true });

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      sink = controller;
      const write = (bytes: Uint8Array) => {
        if (stop.signal.aborted || finished) return;
        try {
          controller.enqueue(bytes);
        } catch {
          abandon();
        }
      };
      if (options.includePings) {
        timer = setInterval(() => {
          const ping = {
            message_type: "ping",
            id: `ping-${randomUUID()}`,
            date: new Date().toISOString(),
            run_id: options.runId,
            seq_id: lastSeq,
          };
          write(frame(ping));
        }, options.pingIntervalMs);
        timer.unref?.();
      }
      void (async () => {
        try {
          let failed = false;
          for await (const chunk of open(stop.signal)) {
            write(frame(chunk));
            lastSeq = chunk.seq_id;
            failed = isErrorChunk(chunk);
          }
          // As Letta: a failed run's stream ends with its error event, a finished one with [DONE].
          if (!failed) write(frame("[DONE]"));
        } catch (error) {
          console.error(`stream of run ${options.runId} failed:`, error);
        } finally {
          if (timer) clearInterval(timer);
          if (!stop.signal.aborted) {
            finished = true;
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          }
        }
      })();
    },
    cancel() {
      abandon();
    },
  });

  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
    },
  });
}
