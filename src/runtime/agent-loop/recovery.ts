import type { Clock } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { withOrganization } from "../../store/tenancy.js";
import { turnKey } from "./turn-locks.js";

/**
 * Marks as failed the runs a crashed process left `created` or `running`. Their steps committed whole
 * or not at all, so the windows are consistent; only the run rows are stale. With database-wide locks
 * (PostgreSQL), a run whose turn lock another live process still holds is left alone: that process is
 * working on it. Returns the ids of the runs marked failed.
 */
export async function recoverInterruptedRuns(store: Store, clock: Clock): Promise<string[]> {
  const now = clock.now().toISOString();
  if (!store.locks) return store.runs.failUnfinished("error", now);
  const recovered: string[] = [];
  const stale = await store.runs.listUnfinishedInAllOrganizations(1000);
  for (const { run, organization_id } of stale) {
    const lease = await store.locks.tryAcquire(turnKey(run.agent_id, run.conversation_id));
    if (!lease) continue;
    // Each run is updated in its own organization's scope, like any other write.
    await withOrganization(organization_id, async () => {
      const current = await store.runs.get(run.id);
      if (current && (current.status === "created" || current.status === "running")) {
        await store.runs.update(run.id, {
          status: "failed",
          stop_reason: "error",
          completed_at: now,
          metadata: {
            ...(current.metadata ?? {}),
            error: {
              error_type: "interrupted",
              message: "The server stopped while this run was in progress.",
            },
          },
        });
        recovered.push(run.id);
      }
    }).finally(() => lease.release());
  }
  return recovered;
}
