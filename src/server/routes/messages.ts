import { z } from "zod";
import { LettaMessageSchema, SendMessageRequestSchema, StopReasonSchema } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf, pageQuerySchema } from "../paging.js";
import { queryArray, queryBoolean } from "../query.js";
import { type AnyRoute, defineRoute } from "../route.js";

const UsageSchema = z.object({
  message_type: z.literal("usage_statistics"),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  step_count: z.number().int(),
  run_ids: z.array(z.string()),
  cached_input_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
  reasoning_tokens: z.number().int(),
  context_tokens: z.number().int().nullable(),
});

/** Letta's `LettaResponse`. */
export const LettaResponseSchema = z.object({
  messages: z.array(LettaMessageSchema),
  stop_reason: z.object({ message_type: z.literal("stop_reason"), stop_reason: StopReasonSchema }),
  usage: UsageSchema,
});

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
      query: pageQuerySchema({ order: "desc", limit: 100 }).extend({
        conversation_id: z.string().optional(),
        include_return_message_types: queryArray().optional(),
        use_assistant_message: queryBoolean().optional(),
        assistant_message_tool_name: z.string().optional(),
        assistant_message_tool_kwarg: z.string().optional(),
      }),
      response: z.array(LettaMessageSchema),
      handle: ({ params, query }) => messages.list(params.agent_id, { ...query, ...pageOf(query) }),
    }),
  ];
}
