import { randomUUID } from "node:crypto";
import { type Clock, type IdGenerator, type Job, type NewJob, randomIds } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { withOrganization } from "../../store/tenancy.js";

/** What a handler gets for one attempt of one job. */
export interface JobContext {
  job: Job;
  /** Aborted when the worker stops or the lease is lost (another worker may have taken the job). */
  signal: AbortSignal;
  /** Records progress and extends the lease; call it during long work. */
  progress(progress: Record<string, unknown>): Promise<void>;
  /**
   * Enqueues `next` in the transaction that records this job's success, after its concurrency key is
   * released: a job may schedule its own successor (same key) without a window where neither exists.
   */
  followUp(next: NewJob): void;
}

/** Runs the jobs of one kind. A thrown error is retried with backoff; a {@link PermanentJobError} is not. */
export interface JobHandler {
  kind: string;
  run(context: JobContext): Promise<Record<string, unknown> | undefined>;
}

/** A failure that retrying cannot fix (bad payload, missing agent): the job fails at once. */
export class PermanentJobError extends Error {
  override readonly name = "PermanentJobError";
}

export interface JobWorkerOptions {
  store: Store;
  clock: Clock;
  /** Ids of follow-up jobs (default: random). */
  ids?: IdGenerator | undefined;
  handlers: readonly JobHandler[];
  /** Identifies this worker in leases; unique per process by default. */
  owner?: string | undefined;
  /** Jobs run at once by this worker (the global limit of the process). Default 2. */
  concurrency?: number | undefined;
  /** How long a claim holds before another worker may take the job. Default 30 s. */
  leaseMs?: number | undefined;
  /** How often an idle worker looks for due jobs. Default 1 s. */
  pollMs?: number | undefined;
  /** Delay before retry `attempt` (1-based). Default 2^attempt seconds, capped at 5 minutes. */
  backoffMs?: ((attempt: number) => number) | undefined;
  /** Told about failures (default: console.error). */
  onError?: ((job: Job, error: unknown) => void) | undefined;
}

export interface JobWorker {
  /** Starts polling; idempotent. */
  start(): void;
  /** Stops claiming, aborts running jobs' signals and waits for them to settle. */
  stop(): Promise<void>;
  /** Looks for work now rather than at the next poll (after an enqueue). */
  wake(): void;
  /** Runs every job that is due now, and those they enqueue, until none is left (tests, CLI). */
  drain(options?: { kinds?: readonly string[] }): Promise<void>;
  readonly kinds: readonly string[];
}

const defaultBackoff = (attempt: number) => Math.min(2 ** attempt * 1000, 5 * 60_000);

/** Enqueues a job through `store` (pass a transaction to enqueue atomically with other writes). */
export async function enqueueJob(
  store: Store,
  deps: { clock: Clock; ids: IdGenerator },
  job: NewJob,
): Promise<{ job: Job; created: boolean }> {
  return store.jobs.enqueue({ ...job, id: deps.ids.next("job"), now: deps.clock.now().toISOString() });
}

/**
 * Claims due jobs of its handlers' kinds with a lease, runs them, heartbeats while they run, and records
 * the outcome: success, a retry after backoff, or failure once attempts run out. Jobs survive restarts:
 * a job whose worker died is claimed again when its lease expires.
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { store, clock } = options;
  const ids = options.ids ?? randomIds;
  const owner = options.owner ?? `worker-${randomUUID()}`;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1000;
  const backoff = options.backoffMs ?? defaultBackoff;
  const onError =
    options.onError ??
    ((job: Job, error: unknown) => console.error(`job ${job.id} (${job.kind}) failed:`, error));
  const handlers = new Map(options.handlers.map((handler) => [handler.kind, handler]));
  const kinds = [...handlers.keys()];
  const running = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopping = false;
  let polling: Promise<void> | undefined;
  // Slots taken by claims in flight: the poller and drain() may claim at once without overshooting.
  let reserved = 0;

  const nowIso = () => clock.now().toISOString();

  async function execute(job: Job): Promise<void> {
    const handler = handlers.get(job.kind);
    const abort = new AbortController();
    const heartbeat = setInterval(
      () => {
        void store.jobs.heartbeat(job.id, owner, nowIso(), leaseMs).then(
          (held) => {
            if (!held) abort.abort(new Error("lease lost"));
          },
          () => undefined,
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    const followUps: NewJob[] = [];
    const context: JobContext = {
      job,
      signal: abort.signal,
      async progress(progress) {
        const held = await store.jobs.heartbeat(job.id, owner, nowIso(), leaseMs, progress);
        if (!held) abort.abort(new Error("lease lost"));
      },
      followUp(next) {
        followUps.push(next);
      },
    };
    const entry = { promise: Promise.resolve(), abort };
    running.set(job.id, entry);
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind '${job.kind}'`);
      const result = await handler.run(context);
      if (followUps.length === 0) {
        await store.jobs.complete(job.id, owner, nowIso(), result ?? undefined);
      } else {
        await store.transaction(async (tx) => {
          if (!(await tx.jobs.complete(job.id, owner, nowIso(), result ?? undefined))) return;
          for (const next of followUps) await enqueueJob(tx, { clock, ids }, next);
        });
      }
    } catch (error) {
      if (abort.signal.aborted && !stopping) return; // the lease went to another worker
      if (abort.signal.aborted && stopping) {
        // Cut off by a shutdown, not failed: back to the queue without using up an attempt.
        await store.jobs.release(job.id, owner, nowIso()).catch(() => false);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const retryable = !(error instanceof PermanentJobError) && job.attempts < job.max_attempts;
      const retryAt = retryable
        ? new Date(clock.now().getTime() + backoff(job.attempts)).toISOString()
        : undefined;
      onError(job, error);
      await store.jobs.fail(job.id, owner, nowIso(), message, retryAt).catch(() => false);
    } finally {
      clearInterval(heartbeat);
      running.delete(job.id);
    }
  }

  /** Claims what fits in the free slots and starts it; how many jobs were started. */
  async function claimAndStart(only?: readonly string[]): Promise<Promise<void>[]> {
    const free = concurrency - running.size - reserved;
    const wanted = only ? kinds.filter((kind) => only.includes(kind)) : kinds;
    if (free <= 0 || wanted.length === 0 || stopping) return [];
    reserved += free;
    let jobs: Job[];
    try {
      jobs = await store.jobs.claim({ owner, kinds: wanted, now: nowIso(), leaseMs, limit: free });
    } finally {
      reserved -= free;
    }
    return jobs.map((job) => {
      // Claims span organizations; each job runs (and enqueues its follow-ups) as its own.
      const promise = withOrganization(job.organization_id, () => execute(job)).finally(() => {
        if (started && !stopping) schedule(0);
      });
      const entry = running.get(job.id);
      if (entry) entry.promise = promise;
      return promise;
    });
  }

  function schedule(delay: number): void {
    if (!started || stopping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      polling ??= claimAndStart()
        .then(
          () => undefined,
          (error: unknown) => console.error("job worker: claiming jobs failed:", error),
        )
        .finally(() => {
          polling = undefined;
          schedule(pollMs);
        });
    }, delay);
    timer.unref();
  }

  return {
    kinds,
    start() {
      if (started || kinds.length === 0) return;
      started = true;
      stopping = false;
      schedule(0);
    },
    async stop() {
      stopping = true;
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await polling;
      for (const entry of running.values()) entry.abort.abort(new Error("worker stopped"));
      await Promise.allSettled([...running.values()].map((entry) => entry.promise));
      stopping = false;
    },
    wake() {
      if (started) schedule(0);
    },
    async drain(drainOptions) {
      for (;;) {
        const startedJobs = await claimAndStart(drainOptions?.kinds);
        if (startedJobs.length === 0 && running.size === 0) {
          // The poller may hold the free slots for a claim in flight: wait for it, then look again.
          if (polling === undefined) return;
          await polling;
          if (running.size === 0 && reserved === 0) return;
          continue;
        }
        await Promise.race([...running.values()].map((entry) => entry.promise));
      }
    },
  };
}
