import { z } from "zod";
import {
  AgentStateSchema,
  CompactionSettingsSchema,
  ConversationSchema,
  LettaMessageSchema,
  MetadataSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf, pageQuerySchema } from "../paging.js";
import { queryArray, queryBoolean } from "../query.js";
import { type AnyRoute, defineRoute } from "../route.js";

const CreateConversationSchema = z.object({
  description: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  model_settings: MetadataSchema.nullable().optional(),
  context_window_limit: z.number().int().nullable().optional(),
  hidden: z.boolean().nullable().optional(),
  isolated_block_labels: z.array(z.string()).nullable().optional(),
});

const UpdateConversationSchema = z.object({
  archived: z.boolean().nullable().optional(),
  description: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  last_message_at: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  model_settings: MetadataSchema.nullable().optional(),
  context_window_limit: z.number().int().nullable().optional(),
});

/** Letta's conversations CompactionRequest (also the recompile body); a JSON `null` body is allowed. */
const WindowRequestSchema = z
  .object({
    agent_id: z.string().nullable().optional(),
    compaction_settings: CompactionSettingsSchema.nullable().optional(),
  })
  .nullable();

const CompactionResponseSchema = z.object({
  summary: z.string(),
  num_messages_before: z.number().int(),
  num_messages_after: z.number().int(),
});

/** `agent_id` names the agent of the `default` conversation (and must match for the others). */
const AgentIdQuerySchema = z.object({ agent_id: z.string().optional() });

const ListConversationsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  agent_id: z.string().optional(),
  archive_status: z.enum(["active", "archived", "all"]).default("active"),
  summary_search: z.string().optional(),
});

const ListConversationMessagesQuerySchema = pageQuerySchema({ order: "desc", limit: 100 }).extend({
  agent_id: z.string().optional(),
  group_id: z.string().optional(),
  include_err: queryBoolean().optional(),
  include_return_message_types: queryArray().optional(),
  use_assistant_message: queryBoolean().optional(),
  assistant_message_tool_name: z.string().optional(),
  assistant_message_tool_kwarg: z.string().optional(),
});

const TAG = "conversations";

/** `/v1/conversations/`: an agent's threads, their history and window upkeep (sending is elsewhere). */
export function conversationRoutes(services: Services): AnyRoute[] {
  const { conversations } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/conversations/",
      operationId: "list_conversations",
      summary: "List conversations (of one agent, or all)",
      tag: TAG,
      query: ListConversationsQuerySchema,
      response: z.array(ConversationSchema),
      handle: ({ query }) => conversations.list({ ...query, ...pageOf(query) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/conversations/",
      operationId: "create_conversation",
      summary: "Create a conversation of the agent given by the `agent_id` query parameter",
      tag: TAG,
      query: z.object({ agent_id: z.string() }),
      body: CreateConversationSchema,
      response: ConversationSchema,
      handle: ({ query, body }) => conversations.create(query.agent_id, body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/conversations/{conversation_id}",
      operationId: "retrieve_conversation",
      summary: "Retrieve a conversation (`default` with `agent_id`: the agent's own window)",
      tag: TAG,
      query: AgentIdQuerySchema,
      response: ConversationSchema,
      handle: ({ params, query }) => conversations.get(params.conversation_id, query.agent_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/conversations/{conversation_id}",
      operationId: "update_conversation",
      summary: "Update a conversation",
      tag: TAG,
      body: UpdateConversationSchema,
      response: ConversationSchema,
      handle: ({ params, body }) => conversations.update(params.conversation_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/conversations/{conversation_id}",
      operationId: "delete_conversation",
      summary: "Delete a conversation (its messages stay in the agent's recall memory)",
      tag: TAG,
      response: z.null(),
      handle: async ({ params }) => {
        await conversations.delete(params.conversation_id);
        return null;
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/conversations/{conversation_id}/messages",
      operationId: "list_conversation_messages",
      summary: "List a conversation's messages as Letta message views",
      tag: TAG,
      query: ListConversationMessagesQuerySchema,
      response: z.array(LettaMessageSchema),
      handle: ({ params, query }) =>
        conversations.listMessages(params.conversation_id, query.agent_id, { ...query, ...pageOf(query) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/conversations/{conversation_id}/recompile",
      operationId: "recompile_conversation",
      summary: "Recompile the conversation's system prompt (only compile it with `dry_run`)",
      tag: TAG,
      query: z.object({ dry_run: queryBoolean().default(false) }),
      body: WindowRequestSchema,
      response: z.string(),
      handle: ({ params, query, body }) =>
        conversations.recompile(params.conversation_id, body?.agent_id ?? undefined, query.dry_run),
    }),
    defineRoute({
      method: "post",
      path: "/v1/conversations/{conversation_id}/compact",
      operationId: "compact_conversation",
      summary: "Summarize the older part of the conversation's window now",
      tag: TAG,
      query: AgentIdQuerySchema,
      body: WindowRequestSchema,
      response: CompactionResponseSchema,
      handle: ({ params, query, body }) =>
        conversations.compact(
          params.conversation_id,
          query.agent_id ?? body?.agent_id ?? undefined,
          body?.compaction_settings,
        ),
    }),
    defineRoute({
      method: "post",
      path: "/v1/conversations/{conversation_id}/fork",
      operationId: "fork_conversation",
      summary: "Fork a conversation: a new one whose window copies this one's (up to `message_id`)",
      tag: TAG,
      query: z.object({
        agent_id: z.string().optional(),
        hidden: queryBoolean().optional(),
        message_id: z.string().optional(),
      }),
      response: ConversationSchema,
      handle: ({ params, query }) =>
        conversations.fork(params.conversation_id, {
          agentId: query.agent_id,
          hidden: query.hidden,
          messageId: query.message_id,
        }),
    }),
    ...(
      [
        ["/v1/agents/{agent_id}/recompile", "recompile_agent"],
        ["/v1/agents/{agent_id}/system-prompt/recompile", "recompile_agent_system_prompt"],
      ] as const
    ).map(([path, operationId]) =>
      defineRoute({
        method: "post",
        path,
        operationId,
        summary: "Recompile the agent's system prompt (only compile it with `dry_run`)",
        tag: "agents",
        // The prompt always shows the current time, so `update_timestamp` changes nothing.
        query: z.object({
          dry_run: queryBoolean().default(false),
          update_timestamp: queryBoolean().default(false),
        }),
        response: z.string(),
        handle: ({ params, query }) => conversations.recompileAgent(params.agent_id, query.dry_run),
      }),
    ),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/reset-messages",
      operationId: "reset_messages",
      summary: "Reset the agent's window to a fresh system message (history stays in recall memory)",
      tag: "agents",
      // Reverie adds no default initial messages to agents, so there are none to add back.
      body: z.object({ add_default_initial_messages: z.boolean().nullable().optional() }).nullable(),
      response: AgentStateSchema,
      handle: ({ params }) => conversations.resetMessages(params.agent_id),
    }),
  ];
}
