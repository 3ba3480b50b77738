import { z } from "zod";
import {
  MessageSearchRequestSchema,
  type MessageSearchResult,
  MessageSearchResultSchema,
} from "../../domain/index.js";
import type { RecallHit } from "../../runtime/recall/recall-search.js";
import { recallText } from "../../runtime/recall/recall-text.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";

function toResult(hit: RecallHit): MessageSearchResult {
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
      body: MessageSearchRequestSchema,
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
