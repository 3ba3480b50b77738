import type { Clock, Run } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { withOrganization } from "../../store/tenancy.js";
import { type TurnLocks, turnKey } from "./turn-locks.js";
import { runStatusFor } from "./turn-outcome.js";

/** Unfinished runs read per page (recovery pages through all of them, however many). */
const PAGE_SIZE = 500;

/** The error a run interrupted by a crash records, the same on every store. */
export const INTERRUPTED_ERROR = {
  error_type: "interrupted",
  message: "The server stopped while this run was in progress.",
  detail: "The server stopped while this run was in progress.",
  retryable: true,
} as const;

/**
 * Settles the runs a crashed process left `created` or `running`. Their steps committed whole or not at
 * all, so the windows are consistent; only the run rows are stale:
 * - an accepted run that has not started yet is left to the job that will run it (an async send's
 *   resume job, a sleep-time job);
 * - a run whose last committed step ended the turn completes with that step's stop reason;
 * - any other run fails with {@link INTERRUPTED_ERROR} (its input was recorded when it started).
 *
 * A turn holds its window's lock from before its run starts until after the run is finished. So, when
 * a run is still unfinished after its window's lock was seen free, no live process is behind it. With
 * database-wide locks (PostgreSQL, where replicas share the database) the lock is only looked at, never
 * taken: the look cannot make a turn starting meanwhile meet a 409, and a window some live replica (or
 * this process, `locks`) holds is left alone. Without them (SQLite) one process owns the store, and
 * this runs at its start-up, before any turn. Returns the ids of the runs settled.
 */
export async function recoverInterruptedRuns(
  store: Store,
  clock: Clock,
  locks?: Pick<TurnLocks, "holder">,
): Promise<string[]> {
  const now = clock.now().toISOString();
  const settled: string[] = [];
  let after: { created_at: string; id: string } | undefined;
  for (;;) {
    const page = await store.runs.listUnfinishedInAllOrganizations(PAGE_SIZE, after);
    for (const { run, organization_id } of page) {
      // Each run is read and updated in its own organization's scope, like any other write.
      const done = await withOrganization(organization_id, async () => {
        if (run.status === "created" && (await startsLater(store, run))) return false;
        const key = turnKey(run.agent_id, run.conversation_id);
        if (locks?.holder(key) !== undefined) return false;
        if (store.locks && (await store.locks.isHeld(key))) return false;
        // Read again after the look at the lock: a run that finished meanwhile is not touched.
        return settleRun(store, run.id, now);
      });
      if (done) settled.push(run.id);
    }
    const last = page.at(-1)?.run;
    if (last === undefined || page.length < PAGE_SIZE) break;
    after = { created_at: last.created_at, id: last.id };
  }
  return settled;
}

async function settleRun(store: Store, runId: string, now: string): Promise<boolean> {
  const run = await store.runs.get(runId);
  if (!run || (run.status !== "created" && run.status !== "running")) return false;
  if (run.status === "created" && (await startsLater(store, run))) return false;
  const [lastStep] = await store.steps.list({ run_id: run.id, order: "desc", limit: 1 });
  const finalStop = lastStep?.status === "success" ? lastStep.stop_reason : null;
  if (finalStop && runStatusFor(finalStop) === "completed") {
    await store.runs.update(run.id, { status: "completed", stop_reason: finalStop, completed_at: now });
    return true;
  }
  await store.runs.update(run.id, {
    status: "failed",
    stop_reason: "error",
    completed_at: now,
    metadata: { ...(run.metadata ?? {}), error: INTERRUPTED_ERROR },
  });
  return true;
}

/**
 * Whether a job still due to run will start this `created` run: an async send's resume job (keyed by
 * the run), or the sleep-time job the run was prepared for (named in its metadata).
 */
async function startsLater(store: Store, run: Run): Promise<boolean> {
  const pending = new Set(["queued", "running"]);
  const [resume] = await store.jobs.list({
    concurrency_key: `run:${run.id}`,
    statuses: ["queued", "running"],
    limit: 1,
  });
  if (resume) return true;
  const jobId = run.metadata?.job_id;
  if (typeof jobId !== "string") return false;
  const job = await store.jobs.get(jobId);
  return job !== undefined && pending.has(job.status);
}
