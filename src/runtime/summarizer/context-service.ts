import type {
  AgentRecord,
  Clock,
  CompactionResponse,
  ContextWindowOverview,
  IdGenerator,
} from "../../domain/index.js";
import { notFound, ReverieError } from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import type { ModelProvider } from "../../llm/providers/types.js";
import type { Store } from "../../store/store.js";
import type { ModelCallContext, TurnState } from "../agent-loop/agent-loop.js";
import { loadContextWindow, type WindowOwner } from "../agent-loop/context-window.js";
import { type TurnLocks, turnKey } from "../agent-loop/turn-locks.js";
import { type CompactionSettings, type CompactionThresholds, createCompactor } from "./compactor.js";
import { agentToolDefinitions, contextOverview } from "./context-overview.js";
import { createRequestSizer } from "./request-size.js";

export interface ContextServiceDeps {
  store: Store;
  provider: ModelProvider;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  /** The loop's locks: a manual compaction waits for no turn, it refuses (409) while one runs. */
  locks: TurnLocks;
  thresholds?: CompactionThresholds | undefined;
}

/** The context window's keeper: compaction before LLM calls, on demand, and its overview. */
export function createContextService(deps: ContextServiceDeps) {
  const sizer = createRequestSizer();
  const compactor = createCompactor({ ...deps, sizer });

  /** A manual compaction of one window, refused (409) while a turn runs in it. */
  async function compactNow(
    agent: AgentRecord,
    conversationId: string | null,
    settings: CompactionSettings | null | undefined,
  ): Promise<CompactionResponse> {
    const lease = await deps.locks.acquire(turnKey(agent.id, conversationId), deps.ids.next("run"));
    try {
      // Read the conversation under the lock: a turn that just ended may have moved its window.
      const conversation = conversationId ? await deps.store.conversations.get(conversationId) : undefined;
      if (conversationId && !conversation) throw notFound("Conversation", conversationId);
      const owner: WindowOwner = conversation
        ? { kind: "conversation", conversation }
        : { kind: "agent", agentId: agent.id };
      const window = await loadContextWindow(deps.store, agent, owner, { clock: deps.clock, ids: deps.ids });
      const before = window.messages.length;
      const outcome = await compactor.compact({
        agent,
        window,
        tools: await agentToolDefinitions(deps.store, agent),
        reason: "manual",
        settings: settings ?? agent.compaction_settings,
      });
      // As Letta: a compaction that leaves the window as long as it was is refused, not reported as done.
      if (!outcome || window.messages.length >= before) {
        throw new ReverieError(
          "invalid_argument",
          "Summarization failed to reduce the number of messages. You may not have enough messages to compact or need to use a different CompactionSettings (e.g. using `all` mode).",
        );
      }
      return {
        summary: outcome.summary,
        num_messages_before: before,
        num_messages_after: window.messages.length,
      };
    } finally {
      await lease.release();
    }
  }

  return {
    /**
     * The loop's hook before each LLM call: compacts when the request would pass the trigger, or
     * when the provider refused the last attempt as too long (then the refusal is rethrown if there
     * was nothing left to evict).
     */
    async beforeModelCall(turn: TurnState, call: ModelCallContext): Promise<void> {
      const outcome = await compactor.compact({
        agent: turn.agent,
        window: turn.window,
        tools: call.tools,
        runId: turn.runId,
        reason: call.overflow ? "overflow" : "threshold",
      });
      if (call.overflow && !outcome) throw call.overflow;
    },

    /** `POST /v1/agents/{id}/summarize`: compacts the default window now. */
    async summarize(agentId: string, settings?: CompactionSettings | null): Promise<CompactionResponse> {
      const agent = await deps.store.agents.get(agentId);
      if (!agent) throw notFound("Agent", agentId);
      return compactNow(agent, null, settings);
    },

    /** `POST /v1/conversations/{id}/compact`: compacts a conversation's own window now. */
    async compactConversation(
      conversationId: string,
      settings?: CompactionSettings | null,
    ): Promise<CompactionResponse> {
      const conversation = await deps.store.conversations.get(conversationId);
      if (!conversation) throw notFound("Conversation", conversationId);
      const agent = await deps.store.agents.get(conversation.agent_id);
      if (!agent) throw notFound("Agent", conversation.agent_id);
      return compactNow(agent, conversationId, settings);
    },

    /** `GET /v1/agents/{id}/context`: the window's overview, computed without a turn. */
    overview(agentId: string, conversationId?: string | null): Promise<ContextWindowOverview> {
      return contextOverview({ store: deps.store, clock: deps.clock, sizer }, agentId, conversationId);
    },
  };
}

export type ContextService = ReturnType<typeof createContextService>;
