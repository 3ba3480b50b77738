// A deterministic bag-of-words embedder: texts that share (stemmed) words get a higher cosine similarity
// than unrelated texts, which is all retrieval tests need from a model.

const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by do does for from had has have he her his i if in into is it its " +
    "me my no not of on or our she so than that the their them then there these they this to was we were " +
    "what when which who will with you your"
  ).split(" "),
);

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.25;

/** Embeds text into a unit vector of `dim` dimensions; same input, same vector. */
export function fakeEmbed(text: string, dim = 384): number[] {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be a positive integer, got ${dim}`);
  const vector = new Array<number>(dim).fill(0);
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
  const contentWords = words.filter((word) => !STOP_WORDS.has(word));
  // A text of only stop words still deserves a vector that depends on it.
  const tokens = (contentWords.length > 0 ? contentWords : words).map(stem);

  for (const token of tokens) {
    addFeature(vector, `w:${token}`, WORD_WEIGHT);
    const padded = `#${token}#`;
    for (let i = 0; i + 3 <= padded.length; i++)
      addFeature(vector, `t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
  }

  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) {
    // Empty or punctuation-only text: a fixed unit vector rather than NaNs downstream.
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

/** Cosine similarity of two vectors of equal length. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

function addFeature(vector: number[], feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const bucket = hash % vector.length;
  const sign = hash >>> 31 === 1 ? -1 : 1;
  vector[bucket] = (vector[bucket] ?? 0) + sign * weight;
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
