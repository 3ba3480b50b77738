import {
  type LettaMessage,
  type ListRunsQuery,
  notFound,
  type PageQuery,
  type Run,
  type RunStatus,
  type RunUsage,
  type Step,
  toLettaMessages,
} from "../domain/index.js";
import type { Store } from "../store/store.js";
import { toViews, type ViewOptions } from "./messaging-service.js";
import { usageOfRun } from "./run-usage.js";

/** Runs, their steps and messages; and single messages by id. */
export function createRunService(deps: { store: Store }) {
  const { store } = deps;

  async function getRun(runId: string): Promise<Run> {
    const run = await store.runs.get(runId);
    if (!run) throw notFound("Run", runId);
    return run;
  }

  return {
    get: getRun,

    list(options: ListRunsQuery): Promise<Run[]> {
      const statuses = options.active ? (["created", "running"] as RunStatus[]) : options.statuses;
      return store.runs.list({ ...options, statuses });
    },

    async messages(runId: string, page: PageQuery & ViewOptions): Promise<LettaMessage[]> {
      await getRun(runId);
      const messages = await store.messages.list({
        run_id: runId,
        before: page.before,
        after: page.after,
        limit: page.limit ?? 100,
        order: page.order ?? "asc",
      });
      return toViews(messages, page);
    },

    async steps(runId: string, page: PageQuery): Promise<Step[]> {
      await getRun(runId);
      return store.steps.list({ ...page, run_id: runId });
    },

    async usage(runId: string): Promise<RunUsage> {
      await getRun(runId);
      const {
        message_type: _type,
        run_ids: _runs,
        context_tokens: _context,
        ...usage
      } = await usageOfRun(store, runId);
      return usage;
    },

    async step(stepId: string): Promise<Step> {
      const step = await store.steps.get(stepId);
      if (!step) throw notFound("Step", stepId);
      return step;
    },

    listSteps: (query: Parameters<Store["steps"]["list"]>[0]) => store.steps.list(query),

    /** `GET /v1/messages/{id}`: every view of one stored message (an array, as Letta returns it). */
    async message(messageId: string): Promise<LettaMessage[]> {
      const message = await store.messages.get(messageId);
      if (!message) throw notFound("Message", messageId);
      return toLettaMessages(message);
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;

/**
 * The running run of a turn-lock window (`agent|conversation`), read from the store: what a replica
 * names in its 409 when another replica holds the window.
 */
export function runningRunOfWindow(store: Store): (key: string) => Promise<string | undefined> {
  return async (key) => {
    const [agentId, conversation] = key.split("|");
    if (!agentId) return undefined;
    const conversationId = conversation && conversation !== "default" ? conversation : null;
    const runs = await store.runs.list({
      agent_id: agentId,
      conversation_id: conversationId ?? undefined,
      statuses: ["running"],
      order: "desc",
      limit: 10,
    });
    return runs.find((run) => run.conversation_id === conversationId)?.id;
  };
}
