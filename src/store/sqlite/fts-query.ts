import { ENGLISH_STOP_WORDS } from "./english-stop-words.js";

/** Most terms an FTS query keeps; longer queries are cut (a search box, not a document). */
const MAX_TERMS = 32;

/**
 * Turns arbitrary user text into an FTS5 query that cannot be a syntax error: its words (letters and
 * digits), each quoted, joined by OR so bm25 ranks passages matching more and rarer words first.
 * Returns undefined when the text has no word.
 */
export function toFts5Query(text: string): string | undefined {
  return ftsTermsQuery(ftsWords(text));
}

/**
 * The distinct words (letters and digits) of `text`, lower-cased, at most MAX_TERMS, without English
 * stop words unless the text has nothing else (as PostgreSQL's `english` configuration does).
 */
export function ftsWords(text: string): string[] {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = words.filter((word) => !ENGLISH_STOP_WORDS.has(word));
  return (content.length > 0 ? content : words).slice(0, MAX_TERMS);
}

/** Quoted words joined by OR (see {@link toFts5Query}); undefined for none. */
export function ftsTermsQuery(words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined;
  return words.map((word) => `"${word}"`).join(" OR ");
}
