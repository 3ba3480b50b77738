import {
  type LettaMessage,
  type LettaUsage,
  type Message,
  notFound,
  type PageQuery,
  ReverieError,
  type SendMessageRequest,
  type StopReason,
  toLettaMessages,
} from "../domain/index.js";
import type { MessageListQuery, Store } from "../store/store.js";
import type { AgentLoop } from "./agent-loop/agent-loop.js";

/** Letta's `LettaResponse`: the turn's new messages (input not echoed), why it stopped, and usage. */
export interface LettaResponse {
  messages: LettaMessage[];
  stop_reason: { message_type: "stop_reason"; stop_reason: StopReason };
  usage: LettaUsage;
}

/** How to render stored messages as Letta views. */
export interface ViewOptions {
  include_return_message_types?: string[] | null | undefined;
  use_assistant_message?: boolean | undefined;
  assistant_message_tool_name?: string | undefined;
  assistant_message_tool_kwarg?: string | undefined;
}

export interface MessageListOptions extends PageQuery, ViewOptions {
  conversation_id?: string | null | undefined;
}

/** `assistant` and `assistant_message` both name the same view type. */
function typeFilter(types: string[] | null | undefined): ((view: LettaMessage) => boolean) | undefined {
  if (!types || types.length === 0) return undefined;
  const wanted = new Set(types.map((type) => (type.endsWith("_message") ? type : `${type}_message`)));
  return (view) => wanted.has(view.message_type);
}

/** Expands stored messages into Letta's views, filtered by type. */
export function toViews(messages: readonly Message[], options: ViewOptions = {}): LettaMessage[] {
  const filter = typeFilter(options.include_return_message_types);
  const views = messages.flatMap((message) =>
    toLettaMessages(message, {
      useAssistantMessage: options.use_assistant_message,
      assistantMessageToolName: options.assistant_message_tool_name,
      assistantMessageToolKwarg: options.assistant_message_tool_kwarg,
    }),
  );
  return filter ? views.filter(filter) : views;
}

/**
 * One page of stored messages as Letta views. With a type filter, a page of stored messages can hold
 * no wanted view at all, and an empty answer ends the SDK's paging: so stored pages are read until
 * `limit` views are found or none remain.
 */
export async function listViews(
  store: Store,
  scope: Pick<MessageListQuery, "agent_id" | "conversation_id">,
  options: MessageListOptions,
): Promise<LettaMessage[]> {
  const limit = options.limit ?? 100;
  const page = (before: string | undefined, after: string | undefined) =>
    store.messages.list({ ...scope, before, after, limit, order: options.order ?? "desc" });
  if (!typeFilter(options.include_return_message_types)) {
    return toViews(await page(options.before, options.after), options);
  }
  const backwards = options.before !== undefined && options.after === undefined;
  let before = options.before;
  let after = options.after;
  let views: LettaMessage[] = [];
  for (;;) {
    const messages = await page(before, after);
    const found = toViews(messages, options);
    views = backwards ? [...found, ...views] : [...views, ...found];
    if (views.length >= limit || messages.length < limit) return views;
    if (backwards) before = messages[0]?.id;
    else after = messages.at(-1)?.id;
  }
}

/** The turn input a request carries: `messages`, or the `input` shorthand for one user message. */
export function requestMessages(body: SendMessageRequest): NonNullable<SendMessageRequest["messages"]> {
  if (body.messages && body.messages.length > 0) return body.messages;
  if (body.input !== undefined && body.input !== null) return [{ role: "user", content: body.input }];
  throw new ReverieError("invalid_argument", "No messages to send: give `messages` or `input`");
}

/** Sending messages to agents and reading their history. */
export function createMessagingService(deps: { store: Store; loop: AgentLoop }) {
  const { store, loop } = deps;
  return {
    /** Runs one turn and answers with Letta's `LettaResponse`. */
    async send(
      agentId: string,
      body: SendMessageRequest,
      conversationId?: string | null,
    ): Promise<LettaResponse> {
      const result = await loop.runTurn({
        agentId,
        conversationId,
        messages: requestMessages(body),
        maxSteps: body.max_steps,
        clientTools: body.client_tools ?? undefined,
      });
      return {
        messages: toViews(result.messages, body),
        stop_reason: { message_type: "stop_reason", stop_reason: result.stopReason },
        usage: result.usage,
      };
    },

    /** An agent's messages as Letta views, paged by message id. */
    async list(agentId: string, options: MessageListOptions): Promise<LettaMessage[]> {
      if (!(await store.agents.get(agentId))) throw notFound("Agent", agentId);
      const conversation =
        options.conversation_id === undefined
          ? undefined
          : options.conversation_id === "default" || options.conversation_id === null
            ? null
            : options.conversation_id;
      return listViews(store, { agent_id: agentId, conversation_id: conversation }, options);
    },
  };
}

export type MessagingService = ReturnType<typeof createMessagingService>;
