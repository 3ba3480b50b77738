import type { Context, Hono } from "hono";
import {
  CancelAgentRunsRequestSchema,
  CancelConversationQuerySchema,
  CancelResponseSchema,
  ConversationStreamRequestSchema,
  type RetrieveStreamRequest,
  RetrieveStreamRequestSchema,
  RunSchema,
  SendMessageAsyncRequestSchema,
  type SendMessageRequest,
  SendMessageRequestSchema,
  stripNul,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { DEFAULT_PING_INTERVAL_MS, sseResponse } from "../sse.js";
import { readJsonBody, validate } from "../validation.js";

/** Options of the streaming routes. */
export interface StreamingRouteOptions {
  /** Keepalive interval of SSE responses (default 30 s, as Letta). */
  pingIntervalMs?: number | undefined;
}

/** JSON routes of background turns: `/messages/async` and cancellation. */
export function streamingRoutes(services: Services): AnyRoute[] {
  const { streaming } = services;
  return [
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/messages/async",
      operationId: "create_agent_message_async",
      summary: "Start a turn in the background and return its run at once",
      tag: "agents",
      body: SendMessageAsyncRequestSchema,
      response: RunSchema,
      handle: ({ params, body }) =>
        streaming.startAsync({ agentId: params.agent_id }, body, body.callback_url),
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/messages/cancel",
      operationId: "cancel_message",
      summary: "Cancel the given runs of an agent, or all its active runs",
      tag: "agents",
      body: CancelAgentRunsRequestSchema,
      response: CancelResponseSchema,
      handle: ({ params, body }) => streaming.cancelAgentRuns(params.agent_id, body.run_ids),
    }),
    defineRoute({
      method: "post",
      path: "/v1/conversations/{conversation_id}/cancel",
      operationId: "cancel_conversation",
      summary: "Cancel the active runs of a conversation",
      tag: "conversations",
      query: CancelConversationQuerySchema,
      response: CancelResponseSchema,
      handle: ({ params, query }) => streaming.cancelConversation(params.conversation_id, query.agent_id),
    }),
  ];
}

/**
 * The SSE routes, registered directly on the app (before the JSON routes: a non-streaming send falls
 * through to them). Hono with `strict: false` serves each with and without a trailing slash.
 */
export function mountStreamingRoutes(
  app: Hono,
  services: Services,
  options: StreamingRouteOptions = {},
): void {
  const { streaming } = services;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;

  async function streamTurn(
    c: Context,
    target: { agentId: string; conversationId?: string | null },
    body: SendMessageRequest,
  ): Promise<Response> {
    const started = await streaming.startOrReattach(target, body);
    // A repeat of an earlier send (same message otids) follows that run from its first chunk.
    if ("runId" in started)
      return attach(c, started.runId, { starting_after: 0, include_pings: body.include_pings });
    const { live } = started;
    const runId = live.stream.runId;
    return sseResponse((signal) => live.stream.follow(0, signal), {
      runId,
      includePings: body.include_pings ?? true,
      pingIntervalMs,
      clientSignal: c.req.raw.signal,
      onAbandon: () => void streaming.abandon(runId),
    });
  }

  /** Re-attaches to a run: replays chunks after `starting_after`, then follows it live to its end. */
  async function attach(c: Context, runId: string, request: RetrieveStreamRequest): Promise<Response> {
    const stop = new AbortController();
    // Resolved before the response starts, so an unknown run is a 404 rather than an empty stream.
    const chunks = await streaming.follow(runId, {
      startingAfter: request.starting_after,
      signal: stop.signal,
      pollIntervalMs: request.poll_interval ? request.poll_interval * 1000 : undefined,
    });
    return sseResponse(
      (signal) => {
        signal.addEventListener("abort", () => stop.abort(), { once: true });
        return chunks;
      },
      {
        runId,
        includePings: request.include_pings ?? true,
        pingIntervalMs,
        startingAfter: request.starting_after,
        clientSignal: c.req.raw.signal,
      },
    );
  }

  const sendBody = async (c: Context) => validate(SendMessageRequestSchema, await readJsonBody(c), "body");

  app.post("/v1/agents/:agent_id/messages", async (c, next) => {
    const body = await sendBody(c);
    if (!body.streaming) return next();
    return streamTurn(c, { agentId: stripNul(c.req.param("agent_id")) }, body);
  });
  app.post("/v1/agents/:agent_id/messages/stream", async (c) =>
    streamTurn(c, { agentId: stripNul(c.req.param("agent_id")) }, await sendBody(c)),
  );
  app.post("/v1/conversations/:conversation_id/messages", async (c) => {
    const body = await sendBody(c);
    const target = await streaming.resolveConversation(
      stripNul(c.req.param("conversation_id")),
      body.agent_id,
    );
    // Conversations stream unless told otherwise (`streaming: false` answers JSON, as Letta does).
    if (body.streaming === false)
      return c.json(await services.messages.send(target.agentId, body, target.conversationId));
    return streamTurn(c, target, body);
  });

  app.post("/v1/runs/:run_id/stream", async (c) => {
    const request = validate(RetrieveStreamRequestSchema, await readJsonBody(c), "body");
    return attach(c, stripNul(c.req.param("run_id")), request);
  });
  app.post("/v1/conversations/:conversation_id/stream", async (c) => {
    const request = validate(ConversationStreamRequestSchema, await readJsonBody(c), "body");
    const runId = await streaming.findConversationRun(stripNul(c.req.param("conversation_id")), request);
    return attach(c, runId, request);
  });
}
