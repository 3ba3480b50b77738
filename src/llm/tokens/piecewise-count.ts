import { type BpeRanks, countPieceTokens } from "./bpe.js";
import { estimateTokens } from "./estimate.js";

/**
 * Pieces (the tokenizer's own pre-split, by its regex) longer than this are counted in chunks of this
 * many characters. Byte-pair merging is quadratic (js-tiktoken's cubic) in the length of a piece, and a
 * run of one character or of a short pattern (`-----`, indentation, `ababab`, a pasted base64 blob) is
 * one piece: with js-tiktoken 4,000 dashes took seconds, 130 KB minutes. Cut into 64-character chunks
 * each merge is bounded; a chunk boundary can cost about one token more than the whole run would (the
 * safe side for a budget).
 */
export const MAX_PIECE_CHARS = 64;

/**
 * Work done exactly by one count, in units of about one character of ordinary text (see {@link pieceCost}).
 * Past it the rest of the text is estimated, so one count never takes more than a few hundred ms
 * whatever the text: about 128 K characters of prose are counted exactly, fewer of text made of
 * long random words.
 */
export const EXACT_WORK_BUDGET = 131_072;

/**
 * Characters one count scans exactly at most; the rest is estimated (see {@link EXACT_WORK_BUDGET}).
 * Pieces already in the cache cost no merging, but scanning them still costs: a 10 MB message of one
 * repeated character was all cache hits and took hundreds of ms on the event loop. 256 K characters
 * are about 64 K tokens of prose, more than a context window's share of one message in practice.
 */
export const EXACT_CHARS = 262_144;

/** Distinct pieces whose counts are remembered per encoding (words and runs repeat). */
const CACHE_SIZE = 65_536;

/** The merge of a piece of n characters costs about n² lookups; short pieces are mostly one rank look-up. */
function pieceCost(length: number): number {
  return length <= 16 ? length : Math.ceil((length * length) / 8);
}

/** The UTF-8 bytes of `text` as a latin1 string (the key format of {@link BpeRanks}). */
function utf8Bytes(text: string): string {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 0x7f) return Buffer.from(text, "utf8").toString("latin1");
  }
  return text; // ASCII: one byte per character already
}

/**
 * A token count that is linear in the length of the text: the tokenizer's pre-split (`pattern`), then
 * byte-pair merging of each piece with `ranks` (loaded on first use).
 *
 * - Text made of ordinary pieces (prose, code, JSON) gets the exact count.
 * - A piece longer than {@link MAX_PIECE_CHARS} is counted in chunks of that size (a run of one
 *   character costs one merge per distinct chunk).
 * - Counts of pieces and chunks are cached (words repeat).
 * - After {@link EXACT_WORK_BUDGET} units of merging work, or past {@link EXACT_CHARS} characters, the
 *   rest is estimated: the larger of the rate measured so far and {@link estimateTokens}, so the
 *   estimate leans high.
 */
export function createPiecewiseCounter(ranks: () => BpeRanks, pattern: string): (text: string) => number {
  const cache = new Map<string, number>();

  // Returns the count and whether it came from the cache (free) or cost merging work.
  function countPiece(piece: string): { tokens: number; cached: boolean } {
    const cached = cache.get(piece);
    if (cached !== undefined) return { tokens: cached, cached: true };
    const tokens = countPieceTokens(ranks(), utf8Bytes(piece));
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(piece, tokens);
    return { tokens, cached: false };
  }

  return function countTokens(text: string): number {
    if (text === "") return 0;
    let tokens = 0;
    let work = 0;
    // Past the budget: the counted part gives a rate, the rest is charged at it or at the estimate.
    const estimateFrom = (position: number): number => {
      const rest = text.slice(position);
      const rate = position > 0 ? tokens / position : 0;
      return tokens + Math.max(estimateTokens(rest), Math.ceil(rest.length * rate));
    };

    for (const match of text.matchAll(new RegExp(pattern, "gu"))) {
      const start = match.index;
      const piece = match[0];
      if (start > EXACT_CHARS) return estimateFrom(start);
      for (let offset = 0; offset < piece.length; ) {
        let end = Math.min(offset + MAX_PIECE_CHARS, piece.length);
        // Never split a surrogate pair.
        const last = piece.charCodeAt(end - 1);
        if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
        const chunk = end - offset === piece.length ? piece : piece.slice(offset, end);
        if (work > EXACT_WORK_BUDGET && !cache.has(chunk)) return estimateFrom(start + offset);
        const counted = countPiece(chunk);
        if (!counted.cached) work += pieceCost(chunk.length);
        tokens += counted.tokens;
        offset = end;
      }
    }
    return tokens;
  };
}
