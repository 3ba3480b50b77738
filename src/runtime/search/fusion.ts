/** The constant of reciprocal rank fusion (Cormack et al. 2009): a hit at rank r adds 1 / (k + r). */
export const RRF_K = 60;

/** An item of one ranking with that ranking's score for it (higher is better), best first. */
export interface ScoredHit<T> {
  item: T;
  score: number;
}

/** One fused result with the ranks it had in each list (1-based; null when that list missed it). */
export interface FusedHit<T> {
  item: T;
  /** The fused score (see {@link FusionSettings}); only its order matters. */
  score: number;
  vectorRank: number | null;
  textRank: number | null;
}

/**
 * How two rankings become one:
 * - `rrf`: weighted reciprocal rank fusion, `w / (k + rank)` from each list;
 * - `minmax`, `zscore`: each list's scores normalized over its own candidates (to [0, 1], or to standard
 *   scores), then added with the lists' weights; an item one list missed gets that list's lowest value.
 * `separation` scales each list's weight by how far its best score stands out from the rest of its
 * candidates (the best's standard score), so that a ranking that does not tell its candidates apart
 * (a query whose words are everywhere, or whose meaning is vague) counts for less in that query.
 */
export interface FusionSettings {
  method: "rrf" | "minmax" | "zscore";
  /** Weight of the vector ranking in [0, 1]; the text ranking has the rest. */
  vectorWeight: number;
  separation: boolean;
  k: number;
}

/**
 * The fusion search uses, chosen on the held-out conversations of LoCoMo (bench/locomo-tune.ts; the
 * README shows the grid): min-max normalized scores, the vector ranking weighted 0.4. Standard scores
 * did as well (within 0.005 of recall@10); weighting by separation did not help there.
 */
export const DEFAULT_FUSION: FusionSettings = {
  method: "minmax",
  vectorWeight: 0.4,
  separation: false,
  k: RRF_K,
};

/** How far a list's best score stands out: its standard score among the list's candidates, in [0.25, 4]. */
function separationOf(scores: readonly number[], background: number): number {
  if (scores.length === 0) return 1;
  const padded =
    scores.length >= background ? scores : [...scores, ...new Array(background - scores.length).fill(0)];
  if (padded.length < 3) return 1;
  const { mean, deviation } = moments(padded);
  if (deviation === 0) return 0.25;
  return Math.min(4, Math.max(0.25, ((scores[0] ?? mean) - mean) / deviation));
}

function moments(scores: readonly number[]): { mean: number; deviation: number } {
  let sum = 0;
  for (const score of scores) sum += score;
  const mean = sum / scores.length;
  let squares = 0;
  for (const score of scores) squares += (score - mean) ** 2;
  return { mean, deviation: Math.sqrt(squares / scores.length) };
}

/**
 * Each list's scores mapped for fusion, and the value of an item the list missed. `background` is how
 * many candidates the list stands for when it returned fewer: a text search returns only the rows that
 * match, and every other row scores 0, so its statistics count those zeros (one match among 40
 * candidates is a strong signal, not an average one).
 */
function normalize(
  scores: readonly number[],
  settings: FusionSettings,
  background: number,
): { values: number[]; missing: number } {
  if (settings.method === "rrf") {
    return { values: scores.map((_, index) => 1 / (settings.k + index + 1)), missing: 0 };
  }
  if (scores.length === 0) return { values: [], missing: 0 };
  const padded =
    scores.length >= background ? scores : [...scores, ...new Array(background - scores.length).fill(0)];
  if (settings.method === "minmax") {
    const max = Math.max(...padded);
    const min = Math.min(...padded);
    const span = max - min;
    return { values: scores.map((score) => (span === 0 ? 1 : (score - min) / span)), missing: 0 };
  }
  const { mean, deviation } = moments(padded);
  const standard = (score: number) => (deviation === 0 ? 0 : (score - mean) / deviation);
  return { values: scores.map(standard), missing: standard(Math.min(...padded)) };
}

/**
 * Fuses a vector ranking and a text ranking (each best first, with their own scores) by item key.
 * Ties keep the vector ranking's order, then the text ranking's.
 */
export function fuseScored<T>(
  key: (item: T) => string,
  vectorHits: readonly ScoredHit<T>[],
  textHits: readonly ScoredHit<T>[],
  overrides: Partial<FusionSettings> = {},
  /** How many candidates each ranking was asked for (the text ranking's missing ones score 0). */
  pool = Math.max(vectorHits.length, textHits.length),
): FusedHit<T>[] {
  const settings = { ...DEFAULT_FUSION, ...overrides };
  const vectorScores = vectorHits.map((hit) => hit.score);
  const textScores = textHits.map((hit) => hit.score);
  let vectorWeight = settings.vectorWeight;
  let textWeight = 1 - settings.vectorWeight;
  if (settings.separation) {
    vectorWeight *= separationOf(vectorScores, 0);
    textWeight *= separationOf(textScores, pool);
  }
  const vector = normalize(vectorScores, settings, 0);
  const text = normalize(textScores, settings, pool);
  const fused = new Map<string, FusedHit<T> & { order: number }>();
  let order = 0;
  const entry = (item: T) => {
    const id = key(item);
    let found = fused.get(id);
    if (!found) {
      found = { item, score: 0, vectorRank: null, textRank: null, order: order++ };
      fused.set(id, found);
    }
    return found;
  };
  vectorHits.forEach((hit, index) => {
    const found = entry(hit.item);
    found.vectorRank = index + 1;
    found.score += vectorWeight * (vector.values[index] ?? 0);
  });
  textHits.forEach((hit, index) => {
    const found = entry(hit.item);
    found.textRank = index + 1;
    found.score += textWeight * (text.values[index] ?? 0);
  });
  for (const found of fused.values()) {
    if (found.vectorRank === null && vectorHits.length > 0) found.score += vectorWeight * vector.missing;
    if (found.textRank === null && textHits.length > 0) found.score += textWeight * text.missing;
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ item, score, vectorRank, textRank }) => ({ item, score, vectorRank, textRank }));
}
