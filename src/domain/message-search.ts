import { z } from "zod";
import { MessageRoleSchema } from "./message.js";

/** How recall is searched: by meaning, by words, or both fused. */
export const MessageSearchModeSchema = z.enum(["vector", "fts", "hybrid"]);
export type MessageSearchMode = z.output<typeof MessageSearchModeSchema>;

/**
 * `POST /v1/messages/search` body: Letta's `SearchAllMessagesRequest`, plus `roles` (as
 * `conversation_search` takes them). `conversation_id` `"default"` is the agent's default conversation;
 * dates are ISO 8601, and one without an offset is read in the agent's timezone.
 */
export const MessageSearchRequestSchema = z.object({
  query: z.string(),
  search_mode: MessageSearchModeSchema.optional(),
  agent_id: z.string().nullable().optional(),
  conversation_id: z.string().nullable().optional(),
  roles: z.array(MessageRoleSchema).nullable().optional(),
  limit: z.number().int().min(1).max(100).optional(),
  start_date: z.string().nullable().optional(),
  end_date: z.string().nullable().optional(),
});
export type MessageSearchRequest = z.output<typeof MessageSearchRequestSchema>;

/** The fields every result has, with its relevance alongside (extra fields the client ignores). */
const resultFields = {
  content: z.string(),
  message_id: z.string(),
  agent_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  created_at: z.string(),
  /** The fused score, and the ranks (1-based) in the vector and full-text lists. */
  rrf_score: z.number(),
  vector_rank: z.number().int().nullable(),
  fts_rank: z.number().int().nullable(),
};

/** Letta's `UserMessageListResult` / `AssistantMessageListResult`: recall returns only these two. */
export const MessageSearchResultSchema = z.discriminatedUnion("message_type", [
  z.object({ message_type: z.literal("user_message"), ...resultFields }),
  z.object({ message_type: z.literal("assistant_message"), ...resultFields }),
]);
export type MessageSearchResult = z.input<typeof MessageSearchResultSchema>;
