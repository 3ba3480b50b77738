import {
  type AgentRecord,
  type Conversation,
  type IdGenerator,
  type Message,
  type NewMessage,
  notFound,
  type PageQuery,
} from "../domain/index.js";
import type { Store } from "../store/store.js";
import { pageInMemory } from "./in-memory-page.js";

/** The id letta-code uses for an agent's own (default) window. */
export const DEFAULT_CONVERSATION_ID = "default";

/** Letta's view of an agent's default window as a conversation with the id `default`. */
export function defaultView(agent: AgentRecord): Conversation {
  return {
    id: DEFAULT_CONVERSATION_ID,
    agent_id: agent.id,
    description: null,
    summary: null,
    archived: false,
    archived_at: null,
    hidden: false,
    model: null,
    model_settings: null,
    context_window_limit: null,
    in_context_message_ids: agent.message_ids,
    isolated_block_ids: [],
    last_message_at: null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: agent.created_at,
    updated_at: agent.updated_at,
  };
}

/** The conversation as stored (after its window was written). */
export async function reread(store: Store, id: string): Promise<Conversation> {
  const conversation = await store.conversations.get(id);
  if (!conversation) throw notFound("Conversation", id);
  return conversation;
}

/**
 * A copy of a message for another conversation, with a new id. It leaves the source's run and step,
 * so those keep listing their own messages only.
 */
export function copyMessage(message: Message, conversationId: string, ids: IdGenerator): NewMessage {
  const { sequence_id: _sequence, ...rest } = message;
  return { ...rest, id: ids.next("message"), conversation_id: conversationId, run_id: null, step_id: null };
}

/** Roles of messages a person sent or read: the system message and summaries are not activity. */
const ACTIVITY_ROLES = ["user", "assistant", "tool", "approval"] as const;

/**
 * The conversation with `last_message_at` at least the time of its latest message (turns do not
 * stamp it, and a client may also set it with PATCH).
 */
export async function withLastMessage(store: Store, conversation: Conversation): Promise<Conversation> {
  const [latest] = await store.messages.list({
    agent_id: conversation.agent_id,
    conversation_id: conversation.id === DEFAULT_CONVERSATION_ID ? null : conversation.id,
    roles: [...ACTIVITY_ROLES],
    order: "desc",
    limit: 1,
  });
  const stored = conversation.last_message_at;
  if (!latest || (stored !== null && stored >= latest.created_at)) return conversation;
  return { ...conversation, last_message_at: latest.created_at };
}

/** Pages conversations by their latest activity (never-used ones by creation time). */
export function pageByActivity(conversations: readonly Conversation[], page: PageQuery): Conversation[] {
  const keyed = conversations.map((conversation) => ({
    id: conversation.id,
    created_at: conversation.last_message_at ?? conversation.created_at,
    conversation,
  }));
  return pageInMemory(keyed, page).map((entry) => entry.conversation);
}
