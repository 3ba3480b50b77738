import { currentOrganization } from "../../store/tenancy.js";
import type { ChunkBody, StreamChunk } from "./chunks.js";

/** Default time a finished run's chunks stay replayable in memory. */
export const DEFAULT_STREAM_RETENTION_MS = 5 * 60_000;
/** Chunks kept per run; older ones are dropped first (a re-attach then starts from what is left). */
const MAX_CHUNKS_PER_RUN = 20_000;

/** The chunks of one run, numbered as they are pushed, followed live by any number of readers. */
export class RunStream {
  private readonly chunks: StreamChunk[] = [];
  private readonly waiters = new Set<() => void>();
  private seq = 0;
  private endedFlag = false;

  constructor(readonly runId: string) {}

  get ended(): boolean {
    return this.endedFlag;
  }

  /** Numbers the chunk with the next `seq_id` and hands it to every reader. */
  push(body: ChunkBody): StreamChunk {
    if (this.endedFlag) throw new Error(`stream of ${this.runId} has ended`);
    this.seq += 1;
    const chunk: StreamChunk = { ...body, run_id: this.runId, seq_id: this.seq };
    this.chunks.push(chunk);
    if (this.chunks.length > MAX_CHUNKS_PER_RUN) this.chunks.shift();
    this.wake();
    return chunk;
  }

  end(): void {
    this.endedFlag = true;
    this.wake();
  }

  /** Chunks with `seq_id > startingAfter`, then the live ones until the stream ends or `signal` aborts. */
  async *follow(startingAfter: number, signal?: AbortSignal): AsyncGenerator<StreamChunk> {
    let cursor = startingAfter;
    while (!signal?.aborted) {
      const first = this.chunks[0]?.seq_id ?? this.seq + 1;
      const from = Math.max(0, cursor + 1 - first);
      const pending = this.chunks.slice(from);
      for (const chunk of pending) {
        yield chunk;
        cursor = chunk.seq_id;
      }
      if (this.seq > cursor) continue;
      if (this.endedFlag) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        this.waiters.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A run this process is executing (or executed recently): its stream and how to stop it. */
export interface LiveRun {
  stream: RunStream;
  agentId: string;
  conversationId: string | null;
  /** Keeps running when the client that started it goes away. */
  background: boolean;
  controller: AbortController;
  /** Settles once the turn has stopped and its stream ended. */
  settled?: Promise<unknown> | undefined;
}

/**
 * The in-process registry of live runs: their chunk buffers and abort controllers. Like the store, it
 * answers only for runs of the current organization: another organization's run id is unknown here.
 */
export class RunStreams {
  private readonly runs = new Map<string, LiveRun & { organizationId: string }>();

  constructor(private readonly retentionMs = DEFAULT_STREAM_RETENTION_MS) {}

  open(
    runId: string,
    fields: Omit<LiveRun, "stream" | "controller"> & { controller?: AbortController },
  ): LiveRun {
    const live = {
      controller: new AbortController(),
      ...fields,
      stream: new RunStream(runId),
      organizationId: currentOrganization(),
    };
    this.runs.set(runId, live);
    return live;
  }

  get(runId: string): LiveRun | undefined {
    const live = this.runs.get(runId);
    return live?.organizationId === currentOrganization() ? live : undefined;
  }

  /** Ends the run's stream; its chunks stay replayable for the retention period. */
  finish(runId: string): void {
    const live = this.get(runId);
    if (!live) return;
    live.stream.end();
    const timer = setTimeout(() => {
      if (this.runs.get(runId) === live) this.runs.delete(runId);
    }, this.retentionMs);
    timer.unref?.();
  }

  /** Forgets a run that never started (its request was refused). */
  discard(runId: string): void {
    this.runs.delete(runId);
  }

  /** Aborts the run's in-flight LLM call and tool waits; true when the run is live here. */
  abort(runId: string): boolean {
    const live = this.get(runId);
    if (!live || live.stream.ended) return false;
    live.controller.abort();
    return true;
  }
}
