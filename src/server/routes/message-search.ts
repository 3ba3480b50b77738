import { z } from "zod";
import { MessageRoleSchema } from "../../domain/index.js";
import type { RecallHit } from "../../runtime/recall/recall-search.js";
import { recallText } from "../../runtime/recall/recall-text.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** Letta's `SearchAllMessagesRequest`, plus `roles` (as `conversation_search` takes them). */
const MessageSearchBodySchema = z.object({
  query: z.string(),
  search_mode: z.enum(["vector", "fts", "hybrid"]).optional(),
  agent_id: z.string().nullable().optional(),
  conversation_id: z.string().nullable().optional(),
  roles: z.array(MessageRoleSchema).nullable().optional(),
  limit: z.number().int().min(1).max(100).optional(),
  start_date: z.string().nullable().optional(),
  end_date: z.string().nullable().optional(),
});

/** The fields every result has, with its relevance alongside (extra fields the client ignores). */
const resultFields = {
  content: z.string(),
  message_id: z.string(),
  agent_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  created_at: z.string(),
  /** Reciprocal rank fusion score, and the ranks (1-based) in the vector and full-text lists. */
  rrf_score: z.number(),
  vector_rank: z.number().int().nullable(),
  fts_rank: z.number().int().nullable(),
};

/** Letta's `UserMessageListResult` / `AssistantMessageListResult`: recall returns only these two. */
const MessageSearchResultSchema = z.discriminatedUnion("message_type", [
  z.object({ message_type: z.literal("user_message"), ...resultFields }),
  z.object({ message_type: z.literal("assistant_message"), ...resultFields }),
]);

function toResult(hit: RecallHit): z.input<typeof MessageSearchResultSchema> {
  const { message } = hit;
  return {
    message_type: message.role === "user" ? "user_message" : "assistant_message",
    content: recallText(message),
    message_id: message.id,
    agent_id: message.agent_id,
    conversation_id: message.conversation_id,
    created_at: message.created_at,
    rrf_score: hit.score,
    vector_rank: hit.vectorRank,
    fts_rank: hit.textRank,
  };
}

/** `POST /v1/messages/search`: the recall search of `conversation_search`, over the API. */
export function messageSearchRoutes(services: Services): AnyRoute[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/messages/search",
      operationId: "search_all_messages",
      summary: "Search messages by text and meaning (hybrid), optionally of one agent",
      tag: "messages",
      body: MessageSearchBodySchema,
      response: z.array(MessageSearchResultSchema),
      handle: async ({ body, context }) => {
        const result = await services.recall.search(body);
        // The answer is Letta's bare list; how it was searched goes in a header (`text`: words only).
        context.header("x-reverie-search-mode", result.mode === "fts" ? "text" : result.mode);
        return result.hits.map(toResult);
      },
    }),
  ];
}
