import type { Message, MessageRole } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { fuseRankings } from "../search/fusion.js";
import { isRecallable, RECALL_ROLES } from "./recall-text.js";

/** `hybrid` fuses both rankings; `vector` and `fts` use one (Letta's `search_mode` values). */
export type RecallSearchMode = "hybrid" | "vector" | "fts";

/** One recall search: `conversation_search` and `POST /v1/messages/search` both come here. */
export interface RecallSearch {
  /** Undefined searches every agent (the API's organization-wide search). */
  agentId?: string | undefined;
  query: string;
  mode?: RecallSearchMode | undefined;
  /** Narrows the recallable roles (user, assistant); other roles match nothing. */
  roles?: readonly MessageRole[] | undefined;
  /** `null` is the default conversation; undefined searches all of them. */
  conversationId?: string | null | undefined;
  /** ISO timestamps, inclusive (already resolved in the agent's timezone). */
  startDate?: string | undefined;
  endDate?: string | undefined;
  limit: number;
  /** Leaves out this run's messages (the running turn's own messages are already in view). */
  excludeRunId?: string | null | undefined;
  /** Embeds the query with the agent's model; without it the search is by text only. */
  embedQuery?: ((text: string) => Promise<readonly number[]>) | undefined;
  /**
   * The model key (`embeddingModelKey`) `embedQuery` embeds with: only vectors of that model are
   * compared, so messages still carrying an earlier model's vectors (before re-embedding) match by text.
   */
  embeddingModel?: string | undefined;
}

/** A found message with its fused score and its rank in each list (1-based, null when absent). */
export interface RecallHit {
  message: Message;
  score: number;
  vectorRank: number | null;
  textRank: number | null;
}

export interface RecallResult {
  hits: RecallHit[];
  /** What actually ran: `fts` when a hybrid search had no embedder to use. */
  mode: RecallSearchMode;
}

/** Candidates taken from each ranking, before filtering and fusion. */
function poolSize(limit: number): number {
  return Math.min(400, limit * 4 + 10);
}

/**
 * Hybrid recall: full-text and vector rankings over the agent's messages, filtered in SQL (roles,
 * conversation, dates), then fused by reciprocal rank. A message not embedded yet is still found by its
 * words; tool results and earlier searches are left out as in Letta.
 */
export async function searchRecall(store: Store, search: RecallSearch): Promise<RecallResult> {
  const requested = search.mode ?? "hybrid";
  const query = search.query.trim();
  const roles = RECALL_ROLES.filter((role) => search.roles === undefined || search.roles.includes(role));
  const useText = requested !== "vector";
  if (search.limit <= 0 || roles.length === 0 || query.length === 0) {
    return { hits: [], mode: requested === "hybrid" && !search.embedQuery ? "fts" : requested };
  }
  let vector: readonly number[] | undefined;
  if (requested !== "fts" && search.embedQuery !== undefined) {
    try {
      vector = await search.embedQuery(query);
    } catch (error) {
      // A hybrid search still answers by text when the embedding model is unreachable.
      if (requested === "vector") throw error;
    }
  }
  const mode: RecallSearchMode = requested === "hybrid" && vector === undefined ? "fts" : requested;

  const filter = {
    agent_id: search.agentId,
    roles,
    conversation_id: search.conversationId,
    start_date: search.startDate,
    end_date: search.endDate,
    limit: poolSize(search.limit),
  };
  const keep = (message: Message) =>
    isRecallable(message) && (!search.excludeRunId || message.run_id !== search.excludeRunId);
  const textHits = useText ? await store.messages.searchText({ ...filter, query }) : [];
  const vectorHits = vector
    ? await store.messages.searchVector({ ...filter, vector, model: search.embeddingModel })
    : [];
  const fused = fuseRankings(
    (message: Message) => message.id,
    vectorHits.map((hit) => hit.message).filter(keep),
    textHits.map((hit) => hit.message).filter(keep),
  );
  return {
    mode,
    hits: fused.slice(0, search.limit).map((hit) => ({
      message: hit.item,
      score: hit.score,
      vectorRank: hit.vectorRank,
      textRank: hit.textRank,
    })),
  };
}
