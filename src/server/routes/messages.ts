import { z } from "zod";
import {
  LettaMessageSchema,
  LettaResponseSchema,
  ListAgentMessagesQuerySchema,
  SendMessageRequestSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/agents/{agent_id}/messages`: send a message (one turn) and list the history. */
export function messageRoutes(services: Services): AnyRoute[] {
  const { messages } = services;
  return [
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/messages",
      operationId: "send_message",
      summary: "Send messages to an agent and wait for the turn to finish",
      tag: "agents",
      body: SendMessageRequestSchema,
      response: LettaResponseSchema,
      // With `streaming: true` the SSE route mounted ahead of this one answers instead.
      handle: ({ params, body }) => messages.send(params.agent_id, body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/messages",
      operationId: "list_messages",
      summary: "List an agent's messages as Letta message views",
      tag: "agents",
      query: ListAgentMessagesQuerySchema,
      response: z.array(LettaMessageSchema),
      handle: ({ params, query }) => messages.list(params.agent_id, { ...query, ...pageOf(query) }),
    }),
  ];
}
