/** Most terms an FTS query keeps; longer queries are cut (a search box, not a document). */
const MAX_TERMS = 32;

/**
 * Turns arbitrary user text into an FTS5 query that cannot be a syntax error: its words (letters and
 * digits), each quoted, joined by OR so bm25 ranks passages matching more and rarer words first.
 * Returns undefined when the text has no word.
 */
export function toFts5Query(text: string): string | undefined {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)].slice(0, MAX_TERMS);
  if (unique.length === 0) return undefined;
  return unique.map((word) => `"${word}"`).join(" OR ");
}
