import { estimateTokens } from "./estimate.js";

/**
 * Pieces (the tokenizer's own pre-split, by its regex) longer than this are counted in chunks of this
 * many characters. js-tiktoken's byte-pair merge is cubic in the length of a piece, and a run of one
 * character or of a short pattern (`-----`, indentation, `ababab`, a pasted base64 blob) is one piece:
 * 4,000 dashes took seconds, 130 KB minutes. Cut into 64-character chunks each merge is bounded; a chunk
 * boundary can cost at most about one token more than the whole run would (the safe side for a budget).
 */
export const MAX_PIECE_CHARS = 64;

/** Ordinary pieces are encoded together in segments of about this many characters (one call each). */
const SEGMENT_CHARS = 4_096;

/**
 * Work done exactly by one count, in units of about one character of ordinary text (see {@link pieceCost}).
 * Past it the rest of the text is estimated, so one count never takes more than a few hundred ms
 * whatever the text: about 128 K characters of prose are counted exactly, fewer of text made of
 * long random words.
 */
export const EXACT_WORK_BUDGET = 131_072;

/** Distinct long-piece chunks remembered per encoding (a repeated run is the same chunk again and again). */
const CHUNK_CACHE_SIZE = 4_096;

/** The merge of a piece of n characters costs about n² lookups; short pieces are mostly one rank look-up. */
function pieceCost(length: number): number {
  return length <= 16 ? length : Math.ceil((length * length) / 8);
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x3000;
}

/**
 * A token count that is linear in the length of the text, built on an exact but super-linear `encode`
 * (the tokenizer's count of one string) and the tokenizer's pre-split `pattern`.
 *
 * - Text made of ordinary pieces (prose, code, JSON) gets exactly the count `encode` gives: it is cut
 *   only at piece boundaries that follow a non-space character, where the tokenizer's split does not
 *   depend on what comes after, and the parts are encoded separately.
 * - A piece longer than {@link MAX_PIECE_CHARS} is counted in chunks of that size (cached, so a run of
 *   one character costs one merge per distinct chunk).
 * - After {@link EXACT_WORK_BUDGET} units of work, the rest is estimated: the larger of the rate
 *   measured so far and {@link estimateTokens}, so the estimate leans high.
 */
export function createPiecewiseCounter(
  encode: (text: string) => number,
  pattern: string,
): (text: string) => number {
  const chunkCache = new Map<string, number>();

  function countChunk(chunk: string): number {
    const cached = chunkCache.get(chunk);
    if (cached !== undefined) return cached;
    const tokens = encode(chunk);
    if (chunkCache.size >= CHUNK_CACHE_SIZE) chunkCache.clear();
    chunkCache.set(chunk, tokens);
    return tokens;
  }

  return function countTokens(text: string): number {
    if (text === "") return 0;
    if (text.length <= MAX_PIECE_CHARS) return encode(text);

    let tokens = 0;
    let work = 0;
    // Start of the ordinary text not yet encoded.
    let segmentStart = 0;
    const flush = (end: number) => {
      if (end > segmentStart) tokens += encode(text.slice(segmentStart, end));
      segmentStart = end;
    };
    // Past the budget: the counted part gives a rate, the rest is charged at it or at the estimate.
    const estimateFrom = (position: number): number => {
      const rest = text.slice(position);
      const rate = position > 0 ? tokens / position : 0;
      return tokens + Math.max(estimateTokens(rest), Math.ceil(rest.length * rate));
    };

    for (const match of text.matchAll(new RegExp(pattern, "gu"))) {
      const start = match.index;
      const piece = match[0];
      const end = start + piece.length;
      if (piece.length <= MAX_PIECE_CHARS) {
        work += pieceCost(piece.length);
        const cuttable = end - segmentStart >= SEGMENT_CHARS && !isWhitespace(text.charCodeAt(end - 1));
        if (cuttable || work > EXACT_WORK_BUDGET) flush(end);
        if (work > EXACT_WORK_BUDGET) return estimateFrom(end);
        continue;
      }
      flush(start);
      let offset = 0;
      while (offset < piece.length) {
        let chunkEnd = Math.min(offset + MAX_PIECE_CHARS, piece.length);
        // Never split a surrogate pair.
        const last = piece.charCodeAt(chunkEnd - 1);
        if (chunkEnd < piece.length && last >= 0xd800 && last <= 0xdbff) chunkEnd--;
        const chunk = piece.slice(offset, chunkEnd);
        if (!chunkCache.has(chunk)) {
          if (work > EXACT_WORK_BUDGET) return estimateFrom(start + offset);
          work += pieceCost(chunk.length);
        }
        tokens += countChunk(chunk);
        offset = chunkEnd;
      }
      segmentStart = end;
    }
    flush(text.length);
    return tokens;
  };
}
