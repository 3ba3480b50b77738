/**
 * A reranking model: scores each document against the query jointly (a cross-encoder reads the pair
 * together, where the embedding ranking compared two separate vectors). Higher is more relevant; the
 * scores only order one call's documents.
 */
export interface Reranker {
  score(query: string, documents: readonly string[]): Promise<number[]>;
}

/** How many of the fused candidates the reranker reads by default (its cost grows with each pair). */
export const DEFAULT_RERANK_DEPTH = 30;

/**
 * The optional last stage of a search: reorders the first `depth` candidates by the reranker's scores
 * (ties keep their fused order); the rest follow unchanged. A reranker that fails, or answers with the
 * wrong number of scores, leaves the order as it was: reranking may improve a search, never break it.
 */
export async function rerankCandidates<T>(
  candidates: readonly T[],
  query: string,
  textOf: (candidate: T) => string,
  reranker: Reranker,
  options: { depth?: number | undefined; onError?: ((error: unknown) => void) | undefined } = {},
): Promise<T[]> {
  const depth = Math.max(0, Math.floor(options.depth ?? DEFAULT_RERANK_DEPTH));
  const head = candidates.slice(0, depth);
  if (head.length < 2) return [...candidates];
  let scores: number[];
  try {
    scores = await reranker.score(query, head.map(textOf));
  } catch (error) {
    options.onError?.(error);
    return [...candidates];
  }
  if (scores.length !== head.length || scores.some((score) => !Number.isFinite(score))) {
    options.onError?.(
      new Error(`the reranker returned ${scores.length} scores for ${head.length} documents`),
    );
    return [...candidates];
  }
  const reordered = head
    .map((candidate, order) => ({ candidate, order, score: scores[order] as number }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map((entry) => entry.candidate);
  return [...reordered, ...candidates.slice(depth)];
}
