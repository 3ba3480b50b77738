import { ReverieError, type SendMessageRequest } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { type JobHandler, PermanentJobError } from "../jobs/job-worker.js";
import { RESUME_ASYNC_RUN_JOB, type StreamingService } from "./streaming-service.js";

/**
 * Runs the turn of an accepted async send (`/messages/async`) that its process never started: the
 * run and this job committed before the client got its 200, so a crash in between loses nothing. A run
 * already started (or finished, or cancelled) is left alone; a busy window is retried; a send that can
 * no longer run (agent deleted, approval pending) fails its run with the reason.
 */
export function resumeAsyncRunHandler(deps: {
  store: Store;
  streaming: Pick<StreamingService, "start" | "failCreatedRun">;
}): JobHandler {
  const { store, streaming } = deps;
  return {
    kind: RESUME_ASYNC_RUN_JOB,
    async run({ job }) {
      const { run_id: runId, agent_id: agentId, conversation_id: conversationId, body } = job.payload;
      if (typeof runId !== "string" || typeof agentId !== "string" || typeof body !== "object" || !body) {
        throw new PermanentJobError(`${RESUME_ASYNC_RUN_JOB}: payload has no run_id, agent_id or body`);
      }
      const run = await store.runs.get(runId);
      if (run === undefined) return { skipped: "run deleted" };
      if (run.status !== "created") return { skipped: `run already ${run.status}` };
      const target = { agentId, conversationId: typeof conversationId === "string" ? conversationId : null };
      try {
        const live = await streaming.start(
          target,
          { ...(body as SendMessageRequest), background: true },
          runId,
        );
        await live.settled;
        return { resumed: runId };
      } catch (error) {
        const busy = error instanceof ReverieError && error.code === "busy";
        if (busy && job.attempts < job.max_attempts) throw error; // retried after a backoff
        await streaming.failCreatedRun(runId, error);
        const message = error instanceof Error ? error.message : String(error);
        return { failed: message };
      }
    },
  };
}
