import type { Passage, PassageSearchMode } from "../../domain/index.js";
import type { PassageFilter, Store } from "../../store/store.js";
import { fuseScored } from "./fusion.js";

/** Embeds texts with one embedding model (the passages' model); see `Embedder.embed`. */
export type EmbedQuery = (texts: string[]) => Promise<number[][]>;

/** One hybrid search over passages; filters are applied in SQL before either ranking is cut. */
export interface PassageSearchRequest extends PassageFilter {
  query: string;
  limit: number;
}

/** A passage (without its vector: `embedding` is null) with how it was found: its fused score and its rank in each list (1-based, null if absent). */
export interface PassageSearchHit {
  passage: Passage;
  score: number;
  vector_rank: number | null;
  text_rank: number | null;
  /** Cosine distance to the query, when the vector search found the passage. */
  distance: number | null;
}

export interface PassageSearchResult {
  mode: PassageSearchMode;
  /** Why the search is text-only, when it is. */
  reason?: string | undefined;
  hits: PassageSearchHit[];
}

/** What a passage search reads: the store, and the embedder of the passages' model if there is one. */
export interface PassageSearchDeps {
  store: Pick<Store, "passages">;
  embed?: EmbedQuery | undefined;
  /** Told when embedding the query failed and the search fell back to text (for logging). */
  onEmbedError?: ((error: unknown) => void) | undefined;
}

/** Most results one search returns. */
export const MAX_SEARCH_LIMIT = 100;

/**
 * How many candidates each ranking contributes to the fusion: a few times the limit, so that a passage
 * ranked modestly by both lists can still beat one ranked first by only one of them.
 */
function poolSize(limit: number): number {
  return Math.min(Math.max(limit * 3, 20), 300);
}

/**
 * Hybrid search: the query's vector (when an embedder is given) and its words, each ranked in SQL with
 * the filters (scope, tags any/all, dates) applied before the limit, fused by reciprocal rank. A query
 * that cannot be embedded degrades to text-only rather than failing.
 */
export async function searchPassages(
  deps: PassageSearchDeps,
  request: PassageSearchRequest,
): Promise<PassageSearchResult> {
  const { query, limit: requested, ...filter } = request;
  const limit = Math.min(Math.max(1, Math.floor(requested)), MAX_SEARCH_LIMIT);
  const pool = poolSize(limit);
  const text = query.trim();

  let mode: PassageSearchMode = "text";
  let reason: string | undefined = "no embedding model is configured";
  let vector: number[] | undefined;
  if (deps.embed && text !== "") {
    try {
      [vector] = await deps.embed([text]);
      mode = "hybrid";
      reason = undefined;
    } catch (error) {
      deps.onEmbedError?.(error);
      reason = `the query could not be embedded (${error instanceof Error ? error.message : String(error)})`;
    }
  } else if (deps.embed) {
    mode = "hybrid";
    reason = undefined;
  }

  // Hits are shown as text: reading their vectors back would cost more than the search on SQLite.
  const options = { withEmbeddings: false };
  const [textHits, vectorHits] = await Promise.all([
    text === "" ? [] : deps.store.passages.searchText(filter, text, pool, options),
    vector === undefined ? [] : deps.store.passages.searchVector(filter, vector, pool, options),
  ]);
  const distances = new Map(vectorHits.map((hit) => [hit.passage.id, hit.distance]));
  const fused = fuseScored(
    (passage: Passage) => passage.id,
    vectorHits.map((hit) => ({ item: hit.passage, score: 1 - hit.distance })),
    textHits.map((hit) => ({ item: hit.passage, score: hit.rank })),
    {},
    pool,
  );
  return {
    mode,
    reason,
    hits: fused.slice(0, limit).map((hit) => ({
      passage: hit.item,
      score: hit.score,
      vector_rank: hit.vectorRank,
      text_rank: hit.textRank,
      distance: distances.get(hit.item.id) ?? null,
    })),
  };
}
