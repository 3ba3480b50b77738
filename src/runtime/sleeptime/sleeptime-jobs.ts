import type { Clock, Group, IdGenerator, Job, Message, StopReason } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import type { AfterTurnHook, AgentLoop, FinishedTurn } from "../agent-loop/agent-loop.js";
import { enqueueJob, type JobHandler, PermanentJobError } from "../jobs/job-worker.js";
import {
  managedSleeptimeGroup,
  SLEEPTIME_JOB_KIND,
  SLEEPTIME_RUN_TYPE,
  sleeptimeJobKey,
  syncSleeptimeBlocks,
} from "./sleeptime-agents.js";
import { sleeptimeInput } from "./sleeptime-prompts.js";
import { runForJob, sleeptimeRun } from "./sleeptime-runs.js";
import { buildTranscript } from "./sleeptime-transcript.js";

/** What started a sleep-time job. */
export type SleeptimeTrigger = "frequency" | "idle" | "manual" | "backlog";

/** Limits of sleep-time work; every field has a default. */
export interface SleeptimeSettings {
  /** Idle time after a turn before unprocessed messages are consolidated; 0 turns the idle trigger off. */
  idleMs: number;
  /** Steps (LLM calls) one sleep-time run may take. */
  maxSteps: number;
  /** Tokens one sleep-time run may use before it is stopped with `max_tokens_exceeded`. */
  maxTokens: number;
  /** Primary messages one run reads at most; the rest go to a follow-up job. */
  maxTranscriptMessages: number;
  /** Attempts of a job whose run fails (an LLM outage), with the worker's backoff between them. */
  maxAttempts: number;
}

/** Defaults of {@link SleeptimeSettings}. */
export const DEFAULT_SLEEPTIME_SETTINGS: SleeptimeSettings = {
  idleMs: 10 * 60_000,
  maxSteps: 12,
  maxTokens: 200_000,
  maxTranscriptMessages: 400,
  maxAttempts: 3,
};

/** Stop reasons after which the transcript counts as consolidated (a budget stop too: no endless retries). */
const CONSOLIDATED: ReadonlySet<StopReason> = new Set([
  "end_turn",
  "tool_rule",
  "max_steps",
  "max_tokens_exceeded",
  "no_tool_call",
]);

interface SleeptimeJobPayload {
  group_id: string;
  agent_id: string;
  trigger: SleeptimeTrigger;
}

/** What the sleep-time hook and job handler are built from. */
export interface SleeptimeJobsDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  loop: Pick<AgentLoop, "runTurn">;
  settings: SleeptimeSettings;
}

/**
 * Queues (or moves) the group's sleep-time job to run at `runAfter`. One job per primary is queued or
 * running: a frequency or manual trigger brings a queued job forward; an idle trigger pushes a queued
 * idle job back, so that idleness counts from the latest turn.
 */
export async function scheduleSleeptime(
  tx: Store,
  deps: Pick<SleeptimeJobsDeps, "clock" | "ids" | "settings">,
  group: Group,
  trigger: SleeptimeTrigger,
  runAfter: Date,
): Promise<Job> {
  const agentId = group.manager_agent_id ?? "";
  const payload: SleeptimeJobPayload = { group_id: group.id, agent_id: agentId, trigger };
  const { job, created } = await enqueueJob(tx, deps, {
    kind: SLEEPTIME_JOB_KIND,
    payload: { ...payload },
    concurrency_key: sleeptimeJobKey(agentId),
    run_after: runAfter.toISOString(),
    max_attempts: deps.settings.maxAttempts,
  });
  if (created || job.status !== "queued") return job;
  const queuedTrigger = job.payload.trigger;
  const queuedAt = new Date(job.run_after).getTime();
  const now = deps.clock.now().toISOString();
  let moved: { at: Date; payload?: Record<string, unknown> } | undefined;
  if (trigger !== "idle" && (queuedTrigger === "idle" || queuedAt > runAfter.getTime())) {
    // The queued job keeps the run already created for it (see `runForJob`).
    moved = { at: new Date(Math.min(queuedAt, runAfter.getTime())), payload: { ...job.payload, ...payload } };
  } else if (trigger === "idle" && queuedTrigger === "idle" && queuedAt < runAfter.getTime()) {
    moved = { at: runAfter };
  }
  if (!moved) return job;
  const at = moved.at.toISOString();
  await tx.jobs.reschedule(job.id, now, at, moved.payload);
  return { ...job, run_after: at, payload: moved.payload ?? job.payload, updated_at: now };
}

/**
 * The after-turn hook, inside the transaction that finishes a turn. For a primary with a sleep-time
 * agent: counts the turn and queues consolidation every N turns, or after the idle delay. For a
 * sleep-time run: records how far the primary's messages are consolidated, atomically with the run's end.
 */
export function sleeptimeAfterTurn(
  deps: Pick<SleeptimeJobsDeps, "clock" | "ids" | "settings">,
): AfterTurnHook {
  return async (tx, turn) => {
    if (turn.agent.agent_type === "sleeptime_agent") return markConsolidated(tx, turn);
    if (turn.agent.enable_sleeptime !== true || turn.messages.length === 0) return;
    const group = await managedSleeptimeGroup(tx, turn.agent.id);
    if (!group) return;
    const counter = await tx.groups.incrementTurns(group.id);
    if (counter === undefined) return;
    const frequency = group.sleeptime_agent_frequency;
    const now = deps.clock.now();
    if (frequency === null || frequency <= 1 || counter % frequency === 0) {
      const job = await scheduleSleeptime(tx, deps, group, "frequency", now);
      // The turn that triggers consolidation names its run, as Letta's `usage.run_ids` does.
      const runId = await runForJob(tx, deps, group, job);
      if (runId) turn.relatedRunIds.push(runId);
      return;
    }
    if (deps.settings.idleMs > 0) {
      await scheduleSleeptime(tx, deps, group, "idle", new Date(now.getTime() + deps.settings.idleMs));
    }
  };
}

async function markConsolidated(tx: Store, turn: FinishedTurn): Promise<void> {
  const metadata = turn.run.metadata ?? {};
  if (turn.run.run_type !== SLEEPTIME_RUN_TYPE || !CONSOLIDATED.has(turn.stopReason)) return;
  const groupId = metadata.group_id;
  const through = metadata.through_message_id;
  if (typeof groupId !== "string" || typeof through !== "string") return;
  await tx.groups.update(groupId, { last_processed_message_id: through });
}

async function messagesAfter(
  store: Store,
  agentId: string,
  after: string | null,
  limit: number,
): Promise<Message[]> {
  if (after === null || (await store.messages.get(after)) !== undefined) {
    return store.messages.list({ agent_id: agentId, after: after ?? undefined, order: "asc", limit });
  }
  // The last consolidated message is gone: carry on from the latest messages rather than from the start.
  return (await store.messages.list({ agent_id: agentId, order: "desc", limit })).reverse();
}

/** Whether turns counted since `from` crossed a multiple of the frequency (their trigger found this job busy). */
function missedFrequencyTrigger(group: Group, from: number, to: number): boolean {
  const frequency = group.sleeptime_agent_frequency;
  if (frequency === null || frequency <= 1) return to > from;
  return Math.floor(to / frequency) > Math.floor(from / frequency);
}

/**
 * Runs a sleep-time agent over the primary's messages since the last consolidation, as a real turn
 * of the agent loop (a Run of type `sleeptime_agent_send_message_async`, with steps, usage and budgets).
 * A run that fails (an LLM outage) throws, so the job is retried with backoff on the same transcript.
 */
export function sleeptimeJobHandler(deps: SleeptimeJobsDeps): JobHandler {
  const { store, clock, ids, settings } = deps;
  return {
    kind: SLEEPTIME_JOB_KIND,
    async run({ job, signal, progress, followUp }) {
      const payload = job.payload as Partial<SleeptimeJobPayload>;
      if (typeof payload.group_id !== "string") throw new PermanentJobError("payload has no group_id");
      const group = await store.groups.get(payload.group_id);
      const primaryId = group?.manager_agent_id;
      const sleeperId = group?.agent_ids.find((id) => id !== primaryId);
      const primary = primaryId ? await store.agents.get(primaryId) : undefined;
      if (!group || !primary || !sleeperId || !(await store.agents.get(sleeperId))) {
        return { skipped: "the sleep-time group or its agents no longer exist" };
      }
      await syncSleeptimeBlocks(store, primary.id, sleeperId);
      const messages: Message[] = await messagesAfter(
        store,
        primary.id,
        group.last_processed_message_id,
        settings.maxTranscriptMessages,
      );
      const trigger = payload.trigger ?? "frequency";
      // The run the triggering turn named, while it has not run yet; a retry after a failure gets a new one.
      const named =
        typeof job.payload.run_id === "string" ? await store.runs.get(job.payload.run_id) : undefined;
      const prepared = named?.status === "created" && named.agent_id === sleeperId ? named : undefined;
      if (messages.length === 0 && trigger !== "manual") {
        if (prepared) {
          await store.runs.update(prepared.id, {
            status: "completed",
            stop_reason: "end_turn",
            completed_at: clock.now().toISOString(),
            metadata: { ...prepared.metadata, skipped: "no new messages" },
          });
        }
        return { skipped: "no new messages" };
      }
      const through = messages.at(-1)?.id ?? group.last_processed_message_id;
      const runId = prepared?.id ?? ids.next("run");
      const metadata = {
        job_id: job.id,
        group_id: group.id,
        primary_agent_id: primary.id,
        trigger,
        attempt: job.attempts,
        through_message_id: through,
        transcript_messages: messages.length,
      };
      if (prepared) await store.runs.update(runId, { metadata });
      else
        await store.runs.create(
          sleeptimeRun(runId, sleeperId, settings, clock.now().toISOString(), metadata),
        );
      await progress({ run_id: runId });
      let stopReason: StopReason;
      try {
        const result = await deps.loop.runTurn({
          agentId: sleeperId,
          runId,
          messages: [{ role: "user", content: sleeptimeInput(buildTranscript(messages)) }],
          maxSteps: settings.maxSteps,
          maxTokens: settings.maxTokens,
          background: true,
          signal,
        });
        stopReason = result.stopReason;
      } catch (error) {
        // Refused before it started (the sleep-time agent is busy): the run never ran.
        const message = error instanceof Error ? error.message : String(error);
        await store.runs.update(runId, {
          status: "failed",
          stop_reason: "error",
          completed_at: clock.now().toISOString(),
          metadata: { ...(await store.runs.get(runId))?.metadata, error: { message } },
        });
        throw error;
      }
      if (!CONSOLIDATED.has(stopReason)) {
        throw new Error(`sleep-time run ${runId} stopped with '${stopReason}'`);
      }
      // Turns that ended while this job ran could not queue another one (one job per agent): the job
      // queues its successor, in the transaction that records its success.
      const pending = through ? (await messagesAfter(store, primary.id, through, 1)).length > 0 : false;
      const counted = (await store.groups.get(group.id))?.turns_counter ?? 0;
      if (messages.length === settings.maxTranscriptMessages) {
        followUp(nextJob(group, "backlog", clock.now(), settings));
      } else if (pending && missedFrequencyTrigger(group, group.turns_counter ?? 0, counted)) {
        followUp(nextJob(group, "frequency", clock.now(), settings));
      } else if (pending && settings.idleMs > 0) {
        const idleFrom = new Date((await store.agents.get(primary.id))?.last_run_completion ?? clock.now());
        const at = Math.max(clock.now().getTime(), idleFrom.getTime() + settings.idleMs);
        followUp(nextJob(group, "idle", new Date(at), settings));
      }
      return { run_id: runId, stop_reason: stopReason, messages: messages.length };
    },
  };
}

function nextJob(group: Group, trigger: SleeptimeTrigger, at: Date, settings: SleeptimeSettings) {
  const agentId = group.manager_agent_id ?? "";
  return {
    kind: SLEEPTIME_JOB_KIND,
    payload: { group_id: group.id, agent_id: agentId, trigger },
    concurrency_key: sleeptimeJobKey(agentId),
    run_after: at.toISOString(),
    max_attempts: settings.maxAttempts,
  };
}
