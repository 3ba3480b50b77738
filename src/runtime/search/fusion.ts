/** The constant of reciprocal rank fusion (Cormack et al. 2009): a hit at rank r adds 1 / (k + r). */
export const RRF_K = 60;

/** One fused result with the ranks it had in each list (1-based; null when that list missed it). */
export interface FusedHit<T> {
  item: T;
  /** Sum of 1 / (RRF_K + rank) over the lists that found it. */
  score: number;
  vectorRank: number | null;
  textRank: number | null;
}

/**
 * Reciprocal rank fusion of a vector ranking and a text ranking (each best first), by item key. Ties in
 * score keep the vector ranking's order, then the text ranking's.
 */
export function fuseRankings<T>(
  key: (item: T) => string,
  vectorHits: readonly T[],
  textHits: readonly T[],
  k = RRF_K,
): FusedHit<T>[] {
  const fused = new Map<string, FusedHit<T> & { order: number }>();
  let order = 0;
  const add = (item: T, rank: number, list: "vectorRank" | "textRank") => {
    const id = key(item);
    let entry = fused.get(id);
    if (!entry) {
      entry = { item, score: 0, vectorRank: null, textRank: null, order: order++ };
      fused.set(id, entry);
    }
    entry.score += 1 / (k + rank);
    entry[list] = rank;
  };
  for (const [index, item] of vectorHits.entries()) add(item, index + 1, "vectorRank");
  for (const [index, item] of textHits.entries()) add(item, index + 1, "textRank");
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ order: _order, ...hit }) => hit);
}
