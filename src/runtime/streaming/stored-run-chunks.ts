import { setTimeout as sleep } from "node:timers/promises";
import type { Message, Run } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { toViews } from "../messaging-service.js";
import { usageOfRun } from "../run-usage.js";
import { type ChunkBody, errorChunk, type StreamChunk, stopReasonChunk, usageChunk } from "./chunks.js";

const ACTIVE = new Set(["created", "running"]);

/**
 * The chunks of a run that is not in this process's buffer, rebuilt from the store: the views of the
 * messages its steps committed (the request's own input left out), numbered in order, then the end
 * sequence from the run and its steps. A run still going elsewhere is polled until it ends.
 */
export async function* storedRunChunks(
  store: Store,
  run: Run,
  options: { startingAfter: number; pollIntervalMs: number; signal?: AbortSignal | undefined },
): AsyncGenerator<StreamChunk> {
  let seq = 0;
  const seen = new Set<string>();
  const number = (body: ChunkBody): StreamChunk => {
    seq += 1;
    return { ...body, run_id: run.id, seq_id: seq };
  };
  let current = run;
  while (!options.signal?.aborted) {
    const ended = !ACTIVE.has(current.status);
    const messages = await store.messages.list({ run_id: run.id, order: "asc", limit: 10_000 });
    for (const message of messages.filter((item) => producedByStep(item) && !seen.has(item.id))) {
      seen.add(message.id);
      for (const view of toViews([message])) {
        const chunk = number(view);
        if (chunk.seq_id > options.startingAfter) yield chunk;
      }
    }
    if (ended) {
      for (const body of await endSequence(store, current)) {
        const chunk = number(body);
        if (chunk.seq_id > options.startingAfter) yield chunk;
      }
      return;
    }
    await sleep(options.pollIntervalMs, undefined, { signal: options.signal }).catch(() => undefined);
    current = (await store.runs.get(run.id)) ?? current;
  }
}

/** The input of a request has no step; everything the run produced belongs to one. */
function producedByStep(message: Message): boolean {
  return message.step_id !== null;
}

async function endSequence(store: Store, run: Run): Promise<ChunkBody[]> {
  const stopReason = run.stop_reason ?? (run.status === "cancelled" ? "cancelled" : "error");
  if (run.status === "failed") return [stopReasonChunk(stopReason), errorChunk(run)];
  return [stopReasonChunk(stopReason), usageChunk(await usageOfRun(store, run.id))];
}
