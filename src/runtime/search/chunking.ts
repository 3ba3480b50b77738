/** How {@link chunkText} sizes its chunks. */
export interface ChunkOptions {
  /** The most tokens one chunk may hold (as counted by `countTokens`). */
  maxTokens: number;
  /** Tokens repeated from the end of a chunk at the start of the next, so a fact cut in two is still found. */
  overlapTokens?: number;
  /** The embedding model's token count (see `createTokenCounter(...).countText`). */
  countTokens: (text: string) => number;
}

// Boundaries from the most to the least natural. A piece too long for one chunk is cut at the first kind
// it contains; the separator stays with the piece before it so that the pieces join back to the text.
const BOUNDARIES: readonly RegExp[] = [
  /(?<=\n[ \t]*\n)(?=[^\n])/, // paragraphs
  /(?<=\n)/, // lines
  /(?<=[.!?;:。！？；]["')\]]*\s)/, // sentences (and clauses)
  /(?<=\s)(?=\S)/, // words
];

interface Piece {
  text: string;
  tokens: number;
}

/**
 * Splits `text` into chunks of at most `maxTokens` tokens, cutting at paragraph, line, sentence and word
 * boundaries (in that order of preference) and only inside a word when a single word is too long.
 * Consecutive chunks share about `overlapTokens` tokens. Text that fits is returned whole, as one chunk;
 * blank text gives no chunks. Chunks are trimmed of the whitespace at their cut edges.
 */
export function chunkText(text: string, options: ChunkOptions): string[] {
  const { maxTokens, countTokens } = options;
  const overlapTokens = options.overlapTokens ?? 0;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new RangeError(`maxTokens must be a positive integer, got ${maxTokens}`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError(`overlapTokens must be an integer in [0, maxTokens), got ${overlapTokens}`);
  }
  if (text.trim() === "") return [];
  if (countTokens(text) <= maxTokens) return [text];

  const pieces = splitToFit(text, 0, maxTokens, countTokens);
  return packPieces(pieces, maxTokens, overlapTokens, countTokens);
}

/** Cuts `text` into pieces of at most `maxTokens` each, at the coarsest boundary that helps. */
function splitToFit(
  text: string,
  level: number,
  maxTokens: number,
  countTokens: (text: string) => number,
): Piece[] {
  const tokens = countTokens(text);
  if (tokens <= maxTokens) return [{ text, tokens }];
  for (let next = level; next < BOUNDARIES.length; next++) {
    const parts = text.split(BOUNDARIES[next]!).filter((part) => part !== "");
    if (parts.length > 1) return parts.flatMap((part) => splitToFit(part, next + 1, maxTokens, countTokens));
  }
  return splitCharacters(text, maxTokens, countTokens);
}

/** The last resort for a single over-long word (a URL, base64, CJK prose without spaces). */
function splitCharacters(text: string, maxTokens: number, countTokens: (text: string) => number): Piece[] {
  const characters = Array.from(text);
  const pieces: Piece[] = [];
  let start = 0;
  const fits = (end: number) => countTokens(characters.slice(start, end).join("")) <= maxTokens;
  while (start < characters.length) {
    // Gallop, then binary search for the longest prefix that fits; at least one character so that it
    // always advances. Galloping keeps each count about as long as the piece it finds (a search over the
    // whole rest would count the rest of a 1 MB word some twenty times per piece).
    let low = start + 1;
    let high = characters.length;
    for (let step = maxTokens; low + step < high; step *= 2) {
      if (!fits(low + step)) {
        high = low + step - 1;
        break;
      }
      low += step;
    }
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(middle)) low = middle;
      else high = middle - 1;
    }
    const piece = characters.slice(start, low).join("");
    pieces.push({ text: piece, tokens: countTokens(piece) });
    start = low;
  }
  return pieces;
}

/** Packs pieces greedily into chunks, starting each chunk after the first with the previous one's tail. */
function packPieces(
  pieces: readonly Piece[],
  maxTokens: number,
  overlapTokens: number,
  countTokens: (text: string) => number,
): string[] {
  const chunks: string[] = [];
  const join = (from: number, to: number) =>
    pieces
      .slice(from, to)
      .map((piece) => piece.text)
      .join("");
  let start = 0;
  // The first piece not yet in any chunk: every chunk must reach past it, so that packing advances.
  let fresh = 0;
  while (fresh < pieces.length) {
    let end = start;
    let tokens = 0;
    while (end < pieces.length && (end <= fresh || tokens + pieces[end]!.tokens <= maxTokens)) {
      tokens += pieces[end]!.tokens;
      end++;
    }
    // Counts are summed per piece, but a tokenizer may merge across a cut: confirm with the real count,
    // giving back new pieces first and then the carried-over context. Both searches are binary: one
    // piece at a time recounted the whole chunk per piece, seconds per 100 KB of text with short words.
    const fits = (from: number, to: number) => countTokens(join(from, to)) <= maxTokens;
    if (end - 1 > fresh && !fits(start, end)) {
      let low = fresh + 1;
      let high = end - 1;
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (fits(start, middle)) low = middle;
        else high = middle - 1;
      }
      end = low;
    }
    if (start < fresh && !fits(start, end)) {
      let low = start + 1;
      let high = fresh;
      while (low < high) {
        const middle = Math.floor((low + high) / 2);
        if (fits(middle, end)) high = middle;
        else low = middle + 1;
      }
      start = low;
    }
    const chunk = join(start, end).trim();
    if (chunk !== "") chunks.push(chunk);
    fresh = end;
    if (fresh >= pieces.length) break;
    // Carry the tail of this chunk (never all of it) into the next, leaving room for the next piece.
    let next = end;
    let overlap = 0;
    while (next - 1 > start && overlap + pieces[next - 1]!.tokens <= overlapTokens) {
      next--;
      overlap += pieces[next]!.tokens;
    }
    while (next < end && overlap + pieces[end]!.tokens > maxTokens) {
      overlap -= pieces[next]!.tokens;
      next++;
    }
    start = next;
  }
  return chunks;
}
