import type { Clock } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { withOrganization } from "../../store/tenancy.js";
import { turnKey } from "./turn-locks.js";
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
 * - an accepted async run that never started is left to its resume job, which runs it;
 * - a run whose last committed step ended the turn completes with that step's stop reason;
 * - any other run fails with {@link INTERRUPTED_ERROR} (its input was recorded when it started).
 * With database-wide locks (PostgreSQL), a run whose turn lock another live process still holds is left
 * alone: that process is working on it. Returns the ids of the runs settled.
 */
export async function recoverInterruptedRuns(store: Store, clock: Clock): Promise<string[]> {
  const now = clock.now().toISOString();
  const settled: string[] = [];
  let after: { created_at: string; id: string } | undefined;
  for (;;) {
    const page = await store.runs.listUnfinishedInAllOrganizations(PAGE_SIZE, after);
    for (const { run, organization_id } of page) {
      const lease = store.locks
        ? await store.locks.tryAcquire(turnKey(run.agent_id, run.conversation_id))
        : null;
      if (lease === undefined) continue;
      try {
        // Each run is updated in its own organization's scope, like any other write.
        if (await withOrganization(organization_id, () => settleRun(store, run.id, now)))
          settled.push(run.id);
      } finally {
        await lease?.release();
      }
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
  if (run.status === "created") {
    const [resume] = await store.jobs.list({
      concurrency_key: `run:${run.id}`,
      statuses: ["queued", "running"],
      limit: 1,
    });
    if (resume) return false;
  }
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
