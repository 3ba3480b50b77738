import {
  CompactionRequestSchema,
  CompactionResponseSchema,
  ContextWindowOverviewSchema,
  ContextWindowQuerySchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/agents/{agent_id}/context` and `/summarize`: the context window, and compacting it on demand. */
export function contextRoutes(services: Services): AnyRoute[] {
  const { context } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/context",
      operationId: "retrieve_agent_context_window",
      summary: "Retrieve an agent's context window: tokens by section, without running a turn",
      tag: "agents",
      query: ContextWindowQuerySchema,
      response: ContextWindowOverviewSchema,
      handle: ({ params, query }) => context.overview(params.agent_id, query.conversation_id),
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/summarize",
      operationId: "summarize_messages",
      summary: "Summarize the oldest messages of the agent's window now (409 while a turn runs)",
      tag: "agents",
      body: CompactionRequestSchema,
      response: CompactionResponseSchema,
      handle: ({ params, body }) => context.summarize(params.agent_id, body?.compaction_settings),
    }),
  ];
}
