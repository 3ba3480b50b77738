import type { Message, MessageRole, MessageSearchMode } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { type FusedHit, fuseScored } from "../search/fusion.js";
import { type Reranker, rerankCandidates } from "../search/rerank.js";
import { isRecallable, RECALL_ROLES, recallText } from "./recall-text.js";

/** `hybrid` fuses both rankings; `vector` and `fts` use one (Letta's `search_mode` values). */
export type RecallSearchMode = MessageSearchMode;

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
  /** An optional last stage: a cross-encoder reorders the first candidates (see rerankCandidates). */
  reranker?: Reranker | undefined;
  /** Also return each hit's neighbouring turns (`RecallHit.context`). */
  withContext?: boolean | undefined;
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
  /** The turns just before and after it in its conversation, when the search asked for them. */
  context?: { previous: Message | null; next: Message | null } | undefined;
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
 * How much a candidate gains from a neighbouring turn that is itself a candidate: this share of the
 * neighbour's fused score above the weakest candidate's. In a conversation the words of a question
 * often sit in one turn and the answer in the next ("Did you go?" / "Yes, on Sunday"); tuned on the
 * held-out LoCoMo conversations (recall@10 0.70 -> 0.76 there; see the README).
 */
export const NEIGHBOUR_WEIGHT = 0.5;

/**
 * Hybrid recall: full-text and vector rankings over the agent's messages, filtered in SQL (roles,
 * conversation, dates), fused by normalized score (see DEFAULT_FUSION), then raised by neighbouring
 * candidates (NEIGHBOUR_WEIGHT). A message not embedded yet is still found by its words; tool results
 * and earlier searches are left out as in Letta.
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
  const fused = fuseScored(
    (message: Message) => message.id,
    vectorHits
      .filter((hit) => keep(hit.message))
      .map((hit) => ({ item: hit.message, score: 1 - hit.distance })),
    textHits.filter((hit) => keep(hit.message)).map((hit) => ({ item: hit.message, score: hit.rank })),
    {},
    filter.limit,
  );
  const smoothed = requested === "hybrid" ? await withNeighbours(store, fused, roles) : fused;
  const ranked = search.reranker
    ? await rerankCandidates(smoothed, query, (hit) => recallText(hit.item), search.reranker)
    : smoothed;
  const hits: RecallHit[] = ranked.slice(0, search.limit).map((hit) => ({
    message: hit.item,
    score: hit.score,
    vectorRank: hit.vectorRank,
    textRank: hit.textRank,
  }));
  if (search.withContext) await addContext(store, hits, roles);
  return { mode, hits };
}

/** Re-ranks fused candidates, each raised by its best neighbouring candidate (see NEIGHBOUR_WEIGHT). */
async function withNeighbours(
  store: Store,
  fused: FusedHit<Message>[],
  roles: readonly MessageRole[],
): Promise<FusedHit<Message>[]> {
  if (fused.length < 2) return fused;
  const adjacent = await store.messages.adjacent(
    fused.map((hit) => hit.item.id),
    roles,
  );
  const scoreOf = new Map(fused.map((hit) => [hit.item.id, hit.score]));
  const floor = Math.min(...fused.map((hit) => hit.score));
  return fused
    .map((hit, order) => {
      const around = adjacent.get(hit.item.id);
      const best = Math.max(
        scoreOf.get(around?.previous ?? "") ?? floor,
        scoreOf.get(around?.next ?? "") ?? floor,
      );
      return { hit: { ...hit, score: hit.score + NEIGHBOUR_WEIGHT * (best - floor) }, order };
    })
    .sort((a, b) => b.hit.score - a.hit.score || a.order - b.order)
    .map(({ hit }) => hit);
}

/** Fills each hit's `context` with the turns around it (one read for all of them). */
async function addContext(store: Store, hits: RecallHit[], roles: readonly MessageRole[]): Promise<void> {
  if (hits.length === 0) return;
  const adjacent = await store.messages.adjacent(
    hits.map((hit) => hit.message.id),
    roles,
  );
  const wanted = [...adjacent.values()].flatMap((pair) =>
    [pair.previous, pair.next].filter((id): id is string => id !== null),
  );
  const byId = new Map((await store.messages.getMany(wanted)).map((message) => [message.id, message]));
  for (const hit of hits) {
    const pair = adjacent.get(hit.message.id);
    hit.context = {
      previous: byId.get(pair?.previous ?? "") ?? null,
      next: byId.get(pair?.next ?? "") ?? null,
    };
  }
}
