import { availableParallelism } from "node:os";
import { ERROR_STATUS, type ErrorCode, ReverieError } from "../../domain/index.js";
import {
  type CpuRequest,
  type CpuResponse,
  type CpuTaskInput,
  type CpuTaskName,
  type CpuTaskOutput,
  runCpuTask,
} from "./cpu-tasks.js";
import { spawnModuleWorker, type WorkerThread } from "./spawn-worker.js";

/** Runs CPU-heavy tasks: large ones in worker threads, small ones in place (a hop costs more than they do). */
export interface CpuPool {
  /**
   * Runs `task`. `size` is the input's size in bytes or characters: from `offloadAbove` (or this call's
   * `offloadFrom`) on, the task runs in a worker thread. An aborted `signal` rejects at once and stops
   * the thread doing the work.
   */
  run<Name extends CpuTaskName>(
    task: Name,
    input: CpuTaskInput<Name>,
    options: CpuRunOptions,
  ): Promise<CpuTaskOutput<Name>>;
  /** Stops every thread; tasks in flight reject. */
  close(): Promise<void>;
}

/** How one task runs (see {@link CpuPool.run}). */
export interface CpuRunOptions {
  size: number;
  signal?: AbortSignal | undefined;
  /** This task's own threshold, for tasks far cheaper per byte than the pool's default. */
  offloadFrom?: number | undefined;
}

/** Options of {@link createCpuPool}. */
export interface CpuPoolOptions {
  /** Threads at most (default: the cores but one, at least 1, at most 4). */
  threads?: number | undefined;
  /** Inputs from this size on go to a thread (default 32 KiB; smaller ones take well under 10 ms). */
  offloadAbove?: number | undefined;
  /** Tasks waiting for a thread at most; more are refused with 503 rather than queued without bound. */
  maxQueued?: number | undefined;
}

const DEFAULT_OFFLOAD_ABOVE = 32 * 1024;

/** A pool that runs everything in place: for tests and embedders that want no threads. */
export const inlineCpu: CpuPool = {
  run: (task, input) => runCpuTask(task, input),
  close: async () => {},
};

interface Job {
  request: CpuRequest;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot {
  thread: WorkerThread;
  job: Job | undefined;
}

/**
 * Threads start on demand and are `unref`'d while idle, so an idle pool never keeps the process alive. A
 * thread whose task is aborted (a request gone, a job stopped, shutdown) is terminated, not waited for:
 * a 9 MB parse cannot hold up SIGTERM.
 */
export function createCpuPool(options: CpuPoolOptions = {}): CpuPool {
  const maxThreads = Math.max(1, options.threads ?? Math.min(4, availableParallelism() - 1));
  const offloadAbove = options.offloadAbove ?? DEFAULT_OFFLOAD_ABOVE;
  const maxQueued = options.maxQueued ?? 256;
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const settle = (job: Job) => {
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
  };

  const startSlot = (): Slot => {
    const slot: Slot = {
      thread: spawnModuleWorker(new URL("./cpu-worker.js", import.meta.url)),
      job: undefined,
    };
    slot.thread.on("message", (response: CpuResponse) => {
      const job = slot.job;
      if (job === undefined || job.request.id !== response.id) return;
      slot.job = undefined;
      settle(job);
      if (response.ok) job.resolve(response.value);
      else job.reject(rebuildError(response.message, response.code));
      dispatch();
    });
    const lost = (error: Error) => {
      slots.delete(slot);
      const job = slot.job;
      slot.job = undefined;
      if (job) {
        settle(job);
        job.reject(error);
      }
      dispatch();
    };
    slot.thread.on("error", lost);
    slot.thread.on("exit", (code) => lost(new Error(`a CPU worker thread stopped (exit code ${code})`)));
    slots.add(slot);
    return slot;
  };

  function dispatch(): void {
    while (queue.length > 0 && !closed) {
      let slot = [...slots].find((candidate) => candidate.job === undefined);
      if (slot === undefined && slots.size < maxThreads) slot = startSlot();
      if (slot === undefined) break;
      const job = queue.shift()!;
      slot.job = job;
      slot.thread.ref();
      slot.thread.postMessage(job.request);
    }
    for (const slot of slots) if (slot.job === undefined) slot.thread.unref();
  }

  const abortJob = (job: Job, reason: unknown) => {
    settle(job);
    const queued = queue.indexOf(job);
    if (queued >= 0) queue.splice(queued, 1);
    for (const slot of slots) {
      if (slot.job !== job) continue;
      // The thread may be deep in a merge: stop it; the next task starts a fresh one.
      slot.job = undefined;
      slots.delete(slot);
      void slot.thread.terminate();
    }
    job.reject(reason instanceof Error ? reason : new Error(String(reason ?? "aborted")));
    dispatch();
  };

  return {
    async run<Name extends CpuTaskName>(
      task: Name,
      input: CpuTaskInput<Name>,
      { size, signal, offloadFrom }: CpuRunOptions,
    ): Promise<CpuTaskOutput<Name>> {
      signal?.throwIfAborted();
      if (closed) throw new ReverieError("unavailable", "The server is shutting down");
      if (size < (offloadFrom ?? offloadAbove)) return await runCpuTask(task, input);
      if (queue.length >= maxQueued) {
        throw new ReverieError(
          "unavailable",
          `The server is busy (${queue.length} large inputs waiting); retry later`,
        );
      }
      return await new Promise<CpuTaskOutput<Name>>((resolve, reject) => {
        const job: Job = {
          request: { id: nextId++, task, input },
          resolve: resolve as (value: unknown) => void,
          reject,
          signal,
          onAbort: undefined,
        };
        if (signal) {
          job.onAbort = () => abortJob(job, signal.reason);
          signal.addEventListener("abort", job.onAbort, { once: true });
        }
        queue.push(job);
        dispatch();
      });
    },
    async close() {
      closed = true;
      const error = new ReverieError("unavailable", "The server is shutting down");
      for (const job of queue.splice(0)) {
        settle(job);
        job.reject(error);
      }
      const threads = [...slots];
      slots.clear();
      for (const slot of threads) {
        if (slot.job) {
          settle(slot.job);
          slot.job.reject(error);
          slot.job = undefined;
        }
      }
      await Promise.all(threads.map((slot) => slot.thread.terminate()));
    },
  };
}

function rebuildError(message: string, code: string | undefined): Error {
  return code !== undefined && code in ERROR_STATUS
    ? new ReverieError(code as ErrorCode, message)
    : new Error(message);
}
