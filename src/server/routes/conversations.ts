import { z } from "zod";
import {
  AgentStateSchema,
  CompactionResponseSchema,
  ConversationAgentQuerySchema,
  ConversationSchema,
  ConversationWindowRequestSchema,
  CreateConversationQuerySchema,
  CreateConversationSchema,
  ForkConversationQuerySchema,
  LettaMessageSchema,
  ListConversationMessagesQuerySchema,
  ListConversationsQuerySchema,
  RecompileAgentQuerySchema,
  RecompileQuerySchema,
  ResetMessagesSchema,
  UpdateConversationSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

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
      handle: ({ query }) => conversations.list(query),
    }),
    defineRoute({
      method: "post",
      path: "/v1/conversations/",
      operationId: "create_conversation",
      summary: "Create a conversation of the agent given by the `agent_id` query parameter",
      tag: TAG,
      query: CreateConversationQuerySchema,
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
      query: ConversationAgentQuerySchema,
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
      query: RecompileQuerySchema,
      body: ConversationWindowRequestSchema,
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
      query: ConversationAgentQuerySchema,
      body: ConversationWindowRequestSchema,
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
      query: ForkConversationQuerySchema,
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
        query: RecompileAgentQuerySchema,
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
      body: ResetMessagesSchema,
      response: AgentStateSchema,
      handle: ({ params }) => conversations.resetMessages(params.agent_id),
    }),
  ];
}
