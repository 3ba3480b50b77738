import type { Group, Job, Run } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { SLEEPTIME_RUN_TYPE } from "./sleeptime-agents.js";
import type { SleeptimeJobsDeps, SleeptimeSettings } from "./sleeptime-jobs.js";

/**
 * The run of a queued sleep-time job, created at once (status `created`, listed under the sleep-time
 * agent's runs) and named in the job, which runs in it; the job's existing one if it has one already.
 * A job already running has its own run, and this turn's messages go to its follow-up.
 */
export async function runForJob(
  tx: Store,
  deps: Pick<SleeptimeJobsDeps, "clock" | "ids" | "settings">,
  group: Group,
  job: Job,
): Promise<string | undefined> {
  if (job.status !== "queued") return undefined;
  const named = typeof job.payload.run_id === "string" ? await tx.runs.get(job.payload.run_id) : undefined;
  if (named?.status === "created") return named.id;
  const sleeperId = group.agent_ids.find((id) => id !== group.manager_agent_id);
  if (!sleeperId) return undefined;
  const runId = deps.ids.next("run");
  const now = deps.clock.now().toISOString();
  await tx.runs.create(
    sleeptimeRun(runId, sleeperId, deps.settings, now, {
      job_id: job.id,
      group_id: group.id,
      primary_agent_id: group.manager_agent_id,
      trigger: job.payload.trigger ?? "frequency",
    }),
  );
  await tx.jobs.reschedule(job.id, now, job.run_after, { ...job.payload, run_id: runId });
  return runId;
}

/** A sleep-time agent's run, before it starts. */
export function sleeptimeRun(
  id: string,
  sleeperId: string,
  settings: SleeptimeSettings,
  createdAt: string,
  metadata: Record<string, unknown>,
): Run {
  return {
    id,
    agent_id: sleeperId,
    conversation_id: null,
    status: "created",
    stop_reason: null,
    background: true,
    run_type: SLEEPTIME_RUN_TYPE,
    request_config: { max_steps: settings.maxSteps, max_tokens: settings.maxTokens },
    metadata,
    callback_url: null,
    created_at: createdAt,
    completed_at: null,
    total_duration_ns: null,
    ttft_ns: null,
  };
}
