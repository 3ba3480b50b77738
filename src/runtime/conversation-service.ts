import {
  type AgentRecord,
  type AgentState,
  type Clock,
  type CompactionResponse,
  type Conversation,
  type CreateConversation,
  type IdGenerator,
  isId,
  type ListConversationsQuery,
  type NewMessage,
  notFound,
  ReverieError,
  type UpdateConversation,
} from "../domain/index.js";
import type { Store } from "../store/store.js";
import {
  compileSystemPrompt,
  loadContextWindow,
  saveWindowIds,
  type WindowOwner,
} from "./agent-loop/context-window.js";
import { type TurnLocks, turnKey } from "./agent-loop/turn-locks.js";
import { buildAgentState } from "./agent-state.js";
import {
  copyMessage,
  DEFAULT_CONVERSATION_ID,
  defaultView,
  pageByActivity,
  reread,
  withLastMessage,
} from "./conversation-records.js";
import { listViews, type MessageListOptions } from "./messaging-service.js";
import type { CompactionSettings } from "./summarizer/compactor.js";
import type { ContextService } from "./summarizer/context-service.js";

export interface ConversationServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  locks: TurnLocks;
  context: ContextService;
}

/** A resolved window: the agent, its owner, and the conversation as Letta shows it. */
interface Resolved {
  agent: AgentRecord;
  owner: WindowOwner;
  conversation: Conversation;
}

/** Conversations: threads of an agent, each with its own in-context window over shared memory. */
export function createConversationService(deps: ConversationServiceDeps) {
  const { store, clock, ids, locks } = deps;

  async function agentOf(agentId: string | undefined, from: Store = store): Promise<AgentRecord> {
    const agent = agentId === undefined ? undefined : await from.agents.get(agentId);
    if (!agent) throw notFound("Agent", agentId);
    return agent;
  }

  /**
   * `default` needs the agent id; an agent's id names its default conversation (Letta's deprecated
   * form, still used by clients); a `conv-…` id must exist (and belong to `agentId` when given).
   */
  async function resolve(id: string, agentId?: string, from: Store = store): Promise<Resolved> {
    if (id === DEFAULT_CONVERSATION_ID || isId("agent", id)) {
      const owner = id === DEFAULT_CONVERSATION_ID ? agentId : id;
      if (owner === undefined) {
        throw new ReverieError("validation", "agent_id is required for the 'default' conversation");
      }
      if (agentId !== undefined && agentId !== owner) throw notFound("Conversation", id);
      const agent = await agentOf(owner, from);
      return { agent, owner: { kind: "agent", agentId: agent.id }, conversation: defaultView(agent) };
    }
    const conversation = isId("conv", id) ? await from.conversations.get(id) : undefined;
    if (!conversation || (agentId !== undefined && conversation.agent_id !== agentId)) {
      throw notFound("Conversation", id);
    }
    const agent = await agentOf(conversation.agent_id, from);
    return { agent, owner: { kind: "conversation", conversation }, conversation };
  }

  /** A real (stored) conversation: the `default` view cannot be modified or deleted. */
  async function stored(id: string): Promise<Conversation> {
    if (id === DEFAULT_CONVERSATION_ID || isId("agent", id)) {
      throw new ReverieError(
        "invalid_argument",
        "The 'default' conversation is the agent's own window: it cannot be modified or deleted",
      );
    }
    return (await resolve(id)).conversation;
  }

  /** Stores a new conversation, then opens its window with a compiled system message. */
  async function insert(tx: Store, agent: AgentRecord, fields: Partial<Conversation>): Promise<Conversation> {
    const now = clock.now().toISOString();
    const conversation: Conversation = {
      ...defaultView(agent),
      id: ids.next("conv"),
      in_context_message_ids: [],
      created_at: now,
      updated_at: now,
      ...fields,
    };
    await tx.conversations.create(conversation);
    await loadContextWindow(tx, agent, { kind: "conversation", conversation }, { clock, ids });
    return reread(tx, conversation.id);
  }

  /** Rebuilds (or, on a dry run, only compiles) the window's system message. */
  async function recompileWindow(resolved: Resolved, dryRun: boolean): Promise<string> {
    const { agent, owner, conversation } = resolved;
    const windowIds = conversation.in_context_message_ids;
    const messages = windowIds.length > 0 ? await store.messages.getMany(windowIds) : [];
    const hasSystem = messages[0]?.role === "system";
    const count = hasSystem ? messages.length : messages.length + 1;
    const text = await compileSystemPrompt(store, agent, owner, count, clock);
    if (dryRun) return text;
    if (hasSystem) await store.messages.update(messages[0]!.id, { content: [{ type: "text", text }] });
    else await loadContextWindow(store, agent, owner, { clock, ids });
    return text;
  }

  return {
    async create(agentId: string, input: CreateConversation): Promise<Conversation> {
      if (input.isolated_block_labels && input.isolated_block_labels.length > 0) {
        throw new ReverieError(
          "invalid_argument",
          "isolated_block_labels is not supported: every conversation shares the agent's memory blocks",
        );
      }
      return store.transaction(async (tx) =>
        insert(tx, await agentOf(agentId, tx), {
          description: input.description ?? null,
          summary: input.summary ?? null,
          model: input.model ?? null,
          model_settings: input.model_settings ?? null,
          context_window_limit: input.context_window_limit ?? null,
          hidden: input.hidden ?? false,
        }),
      );
    },

    async list(options: ListConversationsQuery): Promise<Conversation[]> {
      if (options.agent_id !== undefined) await agentOf(options.agent_id);
      const status = options.archive_status ?? "active";
      const filter = {
        agent_id: options.agent_id,
        archived: status === "all" ? undefined : status === "archived",
        summary_search: options.summary_search,
      };
      const page = {
        before: options.before,
        after: options.after,
        limit: options.limit,
        order: options.order,
      };
      // Letta answers 404 for a conversation cursor that names none (unlike most lists, which ignore it).
      for (const cursor of [page.after, page.before]) {
        if (cursor !== undefined && !(await store.conversations.get(cursor)))
          throw notFound("Conversation", cursor);
      }
      if (options.order_by !== "last_message_at" && options.order_by !== "last_run_completion") {
        const listed = await store.conversations.list({ ...filter, ...page });
        return Promise.all(listed.map((conversation) => withLastMessage(store, conversation)));
      }
      const all = await store.conversations.list({ ...filter, order: "asc" });
      return pageByActivity(await Promise.all(all.map((c) => withLastMessage(store, c))), page);
    },

    async get(id: string, agentId?: string): Promise<Conversation> {
      return withLastMessage(store, (await resolve(id, agentId)).conversation);
    },

    async update(id: string, patch: UpdateConversation): Promise<Conversation> {
      const conversation = await stored(id);
      const fields: Partial<Conversation> = { updated_at: clock.now().toISOString() };
      for (const key of ["description", "summary", "last_message_at", "model", "model_settings"] as const) {
        if (patch[key] !== undefined) Object.assign(fields, { [key]: patch[key] });
      }
      if (patch.context_window_limit !== undefined) fields.context_window_limit = patch.context_window_limit;
      if (patch.archived != null && patch.archived !== conversation.archived) {
        fields.archived = patch.archived;
        fields.archived_at = patch.archived ? clock.now().toISOString() : null;
      }
      const updated = await store.conversations.update(conversation.id, fields);
      if (!updated) throw notFound("Conversation", id);
      return withLastMessage(store, updated);
    },

    /** Deletes the conversation; its messages stay in the agent's recall memory (as in Letta's soft delete). */
    async delete(id: string): Promise<void> {
      const conversation = await stored(id);
      // Refused (409) while a turn runs in it, as that turn would write to a deleted window.
      const key = turnKey(conversation.agent_id, conversation.id);
      const lease = await locks.acquire(key, ids.next("run"));
      try {
        await store.conversations.delete(conversation.id);
      } finally {
        await lease.release();
      }
    },

    /** The conversation's messages as Letta views; for `default`, the agent's own window's history. */
    async listMessages(id: string, agentId: string | undefined, options: MessageListOptions) {
      const { agent, owner } = await resolve(id, agentId);
      return listViews(
        store,
        { agent_id: agent.id, conversation_id: owner.kind === "conversation" ? owner.conversation.id : null },
        options,
      );
    },

    /** `POST /v1/conversations/{id}/recompile`: the compiled system prompt. */
    async recompile(id: string, agentId: string | undefined, dryRun: boolean): Promise<string> {
      return recompileWindow(await resolve(id, agentId), dryRun);
    },

    /** `POST /v1/agents/{id}/recompile`: the default window's compiled system prompt. */
    async recompileAgent(agentId: string, dryRun: boolean): Promise<string> {
      return recompileWindow(await resolve(DEFAULT_CONVERSATION_ID, agentId), dryRun);
    },

    async compact(
      id: string,
      agentId: string | undefined,
      settings: CompactionSettings | null | undefined,
    ): Promise<CompactionResponse> {
      const { agent, owner } = await resolve(id, agentId);
      return owner.kind === "agent"
        ? deps.context.summarize(agent.id, settings)
        : deps.context.compactConversation(owner.conversation.id, settings);
    },

    /** A new conversation whose window copies the source's, up to and including `messageId`. */
    async fork(
      id: string,
      options: { agentId?: string | undefined; hidden?: boolean | undefined; messageId?: string | undefined },
    ): Promise<Conversation> {
      return store.transaction(async (tx) => {
        const { agent, conversation: source } = await resolve(id, options.agentId, tx);
        let windowIds = source.in_context_message_ids;
        if (options.messageId !== undefined) {
          const end = windowIds.indexOf(options.messageId);
          if (end < 0) throw notFound("Message in the conversation's context window", options.messageId);
          windowIds = windowIds.slice(0, end + 1);
        }
        const sourceMessages = await tx.messages.getMany(windowIds);
        const fork = await insert(tx, agent, {
          description: source.description,
          summary: source.summary,
          model: source.model,
          model_settings: source.model_settings,
          context_window_limit: source.context_window_limit,
          hidden: options.hidden ?? false,
        });
        // The fork's window opened with its own system message; the source's is not copied.
        const copies: NewMessage[] = sourceMessages
          .filter((message) => message.role !== "system")
          .map((message) => copyMessage(message, fork.id, ids));
        if (copies.length === 0) return fork;
        const stored = await tx.messages.append(copies);
        const forkIds = [...fork.in_context_message_ids, ...stored.map((message) => message.id)];
        const now = clock.now().toISOString();
        await saveWindowIds(tx, { kind: "conversation", conversation: fork }, forkIds, now);
        return reread(tx, fork.id);
      });
    },

    /**
     * `PATCH /v1/agents/{id}/reset-messages`: the default window becomes a freshly compiled system
     * message alone; the history stays in recall memory. Refused (409) while a turn runs.
     */
    async resetMessages(agentId: string): Promise<AgentState> {
      const lease = await locks.acquire(turnKey(agentId, null), ids.next("run"));
      try {
        return await store.transaction(async (tx) => {
          const agent = await agentOf(agentId, tx);
          const cleared = { ...agent, message_ids: [] };
          await tx.agents.update(agentId, { message_ids: [] });
          await loadContextWindow(tx, cleared, { kind: "agent", agentId }, { clock, ids });
          return buildAgentState(tx, await agentOf(agentId, tx));
        });
      } finally {
        await lease.release();
      }
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;
