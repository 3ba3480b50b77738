import {
  type LettaErrorMessage,
  type LettaMessage,
  type LettaResponse,
  type Message,
  notFound,
  type PageQuery,
  ReverieError,
  type Run,
  type SendMessageRequest,
  toLettaMessages,
} from "../domain/index.js";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { MessageListQuery, Store } from "../store/store.js";
import type { AgentLoop, TurnRequest } from "./agent-loop/agent-loop.js";
import { errorChunk } from "./streaming/chunks.js";

/** The `error_message` that ends a failed turn's answer: what the run recorded, as the stream says it. */
function failureMessage(run: Run): LettaErrorMessage {
  const chunk = errorChunk(run);
  return {
    message_type: "error_message",
    run_id: run.id,
    error_type: String(chunk.error_type),
    message: String(chunk.message),
    detail: String(chunk.detail),
  };
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
 * One page of stored messages as Letta views. Message cursors are chronological, as in Letta: `after`
 * is newer and `before` older whatever the order. With a type filter, a page of stored messages can
 * hold no wanted view at all, and an empty answer ends the SDK's paging: so stored pages are read,
 * going on away from the cursor, until `limit` views are found or none remain.
 */
export async function listViews(
  store: Store,
  scope: Pick<MessageListQuery, "agent_id" | "conversation_id">,
  options: MessageListOptions,
): Promise<LettaMessage[]> {
  const limit = options.limit ?? 100;
  const order = options.order ?? "desc";
  const page = (before: string | undefined, after: string | undefined) =>
    store.messages.list({ ...scope, before, after, limit, order });
  if (!typeFilter(options.include_return_message_types)) {
    return toViews(await page(options.before, options.after), options);
  }
  // Which way the pages go: toward newer messages from an `after` alone, else the way of the order.
  const onlyAfter = options.after !== undefined && options.before === undefined;
  const onlyBefore = options.before !== undefined && options.after === undefined;
  const towardNewer = onlyAfter || (!onlyBefore && order === "asc");
  // Pages found later go after those found first in the answer's order, unless they go the other way.
  const prepend = towardNewer !== (order === "asc");
  let before = options.before;
  let after = options.after;
  let views: LettaMessage[] = [];
  for (;;) {
    const messages = await page(before, after);
    const found = toViews(messages, options);
    views = prepend ? [...found, ...views] : [...views, ...found];
    if (views.length >= limit || messages.length < limit) return views;
    const newest = order === "asc" ? messages.at(-1) : messages[0];
    const oldest = order === "asc" ? messages[0] : messages.at(-1);
    if (towardNewer) after = newest?.id;
    else before = oldest?.id;
  }
}

/** A 404 for a message cursor that names no message, as Letta answers for an agent's message list. */
export async function requireMessageCursors(store: Store, agentId: string, page: PageQuery): Promise<void> {
  for (const cursor of [page.after, page.before]) {
    if (cursor !== undefined && (await store.messages.get(cursor)) === undefined) {
      throw new ReverieError("not_found", `No message found with id '${cursor}' for agent '${agentId}'.`);
    }
  }
}

/** The turn input a request carries: `messages`, or the `input` shorthand for one user message. */
export function requestMessages(body: SendMessageRequest): NonNullable<SendMessageRequest["messages"]> {
  if (body.messages && body.messages.length > 0) return body.messages;
  if (body.input !== undefined && body.input !== null) return [{ role: "user", content: body.input }];
  throw new ReverieError("invalid_argument", "No messages to send: give `messages` or `input`");
}

/** What a send asks of its turn, its per-request model resolved (an unknown or unserved handle is a 4xx). */
export async function turnOptionsOf(
  models: Pick<ModelRegistry, "resolveLlm">,
  body: SendMessageRequest,
): Promise<Pick<TurnRequest, "messages" | "maxSteps" | "clientTools" | "clientSkills" | "llmConfig">> {
  return {
    messages: requestMessages(body),
    maxSteps: body.max_steps,
    clientTools: body.client_tools ?? undefined,
    clientSkills: body.client_skills ?? undefined,
    llmConfig: body.override_model ? await models.resolveLlm(body.override_model) : undefined,
  };
}

/** What the messaging service is built from. */
export interface MessagingServiceDeps {
  store: Store;
  models: Pick<ModelRegistry, "resolveLlm">;
  loop: Pick<AgentLoop, "runTurn">;
  /** The answer of a send that repeats an earlier one's input (same otids), which is not run again. */
  repeated?: (
    target: { agentId: string; conversationId: string | null },
    body: SendMessageRequest,
  ) => Promise<LettaResponse | undefined>;
}

/** Sending messages to agents and reading their history. */
export function createMessagingService(deps: MessagingServiceDeps) {
  const { store, loop } = deps;
  return {
    /** Runs one turn and answers with Letta's `LettaResponse`. */
    async send(
      agentId: string,
      body: SendMessageRequest,
      conversationId?: string | null,
    ): Promise<LettaResponse> {
      const options = await turnOptionsOf(deps.models, body);
      const repeated = await deps.repeated?.({ agentId, conversationId: conversationId ?? null }, body);
      if (repeated) return repeated;
      const result = await loop.runTurn({ agentId, conversationId, ...options });
      const views = toViews(result.messages, body);
      return {
        messages: result.run.status === "failed" ? [...views, failureMessage(result.run)] : views,
        stop_reason: { message_type: "stop_reason", stop_reason: result.stopReason },
        usage: result.usage,
      };
    },

    /** An agent's messages as Letta views, paged by message id. */
    async list(agentId: string, options: MessageListOptions): Promise<LettaMessage[]> {
      if (!(await store.agents.get(agentId))) throw notFound("Agent", agentId);
      await requireMessageCursors(store, agentId, options);
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
