import { type Clock, type IdGenerator, notFound, ReverieError, type Run } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { denyCancelledApproval } from "../agent-loop/cancelled-approval.js";
import type { TurnLocks } from "../agent-loop/turn-locks.js";
import type { RunStreams } from "./run-streams.js";

/** Run statuses of a turn still going. */
export const ACTIVE_STATUSES = ["created", "running"] as const;

/** Cancelling runs: by id, by agent or conversation, and when a streaming client goes away. */
export function createRunCancellation(deps: {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  locks: TurnLocks;
  streams: RunStreams;
}) {
  const { store, streams } = deps;

  /** Denies the approval a cancelled run left pending; false when there is none (or the window is busy). */
  async function denyPending(run: Run): Promise<boolean> {
    try {
      return await denyCancelledApproval(deps, run);
    } catch (error) {
      if (error instanceof ReverieError && error.code === "busy") return false;
      throw error;
    }
  }

  /**
   * Cancels runs as Letta does: an active run is marked cancelled and its in-flight LLM call aborted;
   * a run that paused for approval has its pending calls denied. Letta's `{run_id: "cancelled"|"failed"}`.
   */
  async function cancelRuns(runs: readonly Run[]): Promise<Record<string, string>> {
    const results: Record<string, string> = {};
    for (const run of runs) {
      if ((ACTIVE_STATUSES as readonly string[]).includes(run.status)) {
        await store.runs.update(run.id, { status: "cancelled", stop_reason: "cancelled" });
        const live = streams.get(run.id);
        streams.abort(run.id);
        // Once the turn has stopped, an approval request it committed meanwhile is denied.
        void (live?.settled ?? Promise.resolve())
          .then(() => denyPending(run))
          .catch((error: unknown) => {
            console.error(`run ${run.id}: could not deny its pending approval:`, error);
          });
        results[run.id] = "cancelled";
      } else if (run.stop_reason === "requires_approval" && (await denyPending(run))) {
        await store.runs.update(run.id, { status: "cancelled", stop_reason: "cancelled" });
        results[run.id] = "cancelled";
      } else {
        results[run.id] = "failed";
      }
    }
    return results;
  }

  /** Active runs of a window, and its latest run when that one paused for approval. */
  async function cancellableRuns(agentId: string, conversationId: string | null): Promise<Run[]> {
    const [paused] = (
      await store.runs.list({ agent_id: agentId, stop_reason: "requires_approval", order: "desc", limit: 20 })
    ).filter((run) => run.conversation_id === conversationId && run.status === "completed");
    const active = await activeRuns(agentId, conversationId);
    return paused ? [...active, paused] : active;
  }

  async function activeRuns(agentId: string, conversationId: string | null): Promise<Run[]> {
    const runs = await store.runs.list({
      agent_id: agentId,
      conversation_id: conversationId ?? undefined,
      statuses: [...ACTIVE_STATUSES],
      order: "desc",
      limit: 100,
    });
    return runs.filter((run) => run.conversation_id === conversationId);
  }

  return {
    activeRuns,

    /** `POST /v1/agents/{agent_id}/messages/cancel`: the given runs, or every active run of the agent. */
    async cancelAgentRuns(
      agentId: string,
      runIds?: readonly string[] | null,
    ): Promise<Record<string, string>> {
      if (!(await store.agents.get(agentId))) throw notFound("Agent", agentId);
      if (!runIds) {
        const runs = await store.runs.list({ agent_id: agentId, statuses: [...ACTIVE_STATUSES], limit: 100 });
        const conversations = new Set([null, ...runs.map((run) => run.conversation_id)]);
        const paused: Run[] = [];
        for (const conversation of conversations) {
          const [latest] = (await cancellableRuns(agentId, conversation)).filter(
            (run) => run.status === "completed",
          );
          if (latest) paused.push(latest);
        }
        return withoutFailures(await cancelRuns([...runs, ...paused]), paused);
      }
      const runs: Run[] = [];
      for (const runId of runIds) {
        const run = await store.runs.get(runId);
        if (!run || run.agent_id !== agentId) throw notFound("Run", runId);
        runs.push(run);
      }
      return cancelRuns(runs);
    },

    /** `POST /v1/conversations/{conversation_id}/cancel`: every active run of the conversation. */
    async cancelConversation(
      conversationId: string,
      agentId?: string | null,
    ): Promise<Record<string, string>> {
      const target = await resolveConversationTarget(store, conversationId, agentId);
      const runs = await cancellableRuns(target.agentId, target.conversationId);
      return withoutFailures(
        await cancelRuns(runs),
        runs.filter((run) => run.status === "completed"),
      );
    },

    /** The client of a stream went away: its run is cancelled unless it was started in the background. */
    async abandon(runId: string): Promise<void> {
      const live = streams.get(runId);
      if (!live || live.background || live.stream.ended) return;
      const run = await store.runs.get(runId);
      if (run) await cancelRuns([run]);
    },
  };
}

/** The agent and conversation a conversation route names (`default` takes the agent from the request). */
export async function resolveConversationTarget(
  store: Store,
  conversationId: string,
  agentId: string | null | undefined,
): Promise<{ agentId: string; conversationId: string | null }> {
  if (conversationId === "default" || conversationId.startsWith("agent-")) {
    const id = conversationId === "default" ? agentId : conversationId;
    if (!id) throw new ReverieError("validation", "agent_id is required when conversation_id is 'default'");
    if (!(await store.agents.get(id))) throw notFound("Agent", id);
    return { agentId: id, conversationId: null };
  }
  const conversation = await store.conversations.get(conversationId);
  if (!conversation) throw notFound("Conversation", conversationId);
  return { agentId: conversation.agent_id, conversationId: conversation.id };
}

/** Leaves out runs looked at only in case they paused for approval, when they had nothing pending. */
function withoutFailures(results: Record<string, string>, optional: readonly Run[]): Record<string, string> {
  for (const run of optional) if (results[run.id] === "failed") delete results[run.id];
  return results;
}
