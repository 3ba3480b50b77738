/**
 * The rank table of a byte-pair encoding, keyed by each token's bytes as a latin1 string. Sharded by
 * the first byte: one Map of 200,000 entries rehashes in single pauses of hundreds of ms as it grows.
 */
export class BpeRanks {
  private readonly shards: Array<Map<string, number>> = Array.from({ length: 256 }, () => new Map());
  size = 0;

  get(bytes: string): number | undefined {
    return this.shards[bytes.charCodeAt(0)]?.get(bytes);
  }

  has(bytes: string): boolean {
    return this.shards[bytes.charCodeAt(0)]?.has(bytes) === true;
  }

  set(bytes: string, rank: number): void {
    const shard = this.shards[bytes.charCodeAt(0)];
    if (shard === undefined) throw new RangeError("a BPE token key must be a latin1 string of bytes");
    if (!shard.has(bytes)) this.size++;
    shard.set(bytes, rank);
  }
}

/** The rank data js-tiktoken ships: base64 tokens, in lines of `<name> <first rank> <token> <token>...`. */
export interface RankData {
  pat_str: string;
  bpe_ranks: string;
}

/** Tokens parsed per slice when loading in the background; a slice takes a few ms. */
const LOAD_SLICE = 4_096;

// Walks the data with indexOf rather than split: splitting 200,000 tokens at once is itself a stall.
function* rankEntries(data: RankData): Generator<[string, number]> {
  const text = data.bpe_ranks;
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    // `<name> <first rank> <token> <token>...`
    const nameEnd = text.indexOf(" ", lineStart);
    const offsetEnd = nameEnd < 0 || nameEnd >= lineEnd ? -1 : text.indexOf(" ", nameEnd + 1);
    if (offsetEnd > 0 && offsetEnd < lineEnd) {
      let rank = Number.parseInt(text.slice(nameEnd + 1, offsetEnd), 10);
      let tokenStart = offsetEnd + 1;
      while (tokenStart < lineEnd) {
        let tokenEnd = text.indexOf(" ", tokenStart);
        if (tokenEnd < 0 || tokenEnd > lineEnd) tokenEnd = lineEnd;
        if (tokenEnd > tokenStart) {
          yield [Buffer.from(text.slice(tokenStart, tokenEnd), "base64").toString("latin1"), rank++];
        }
        tokenStart = tokenEnd + 1;
      }
    }
    lineStart = lineEnd + 1;
  }
}

/**
 * Parses a rank table. Keys are latin1 strings of the token's bytes: a quarter of the memory of
 * js-tiktoken's comma-joined keys, and several times faster to build.
 */
export function parseRanks(data: RankData): BpeRanks {
  const ranks = new BpeRanks();
  for (const [bytes, rank] of rankEntries(data)) ranks.set(bytes, rank);
  return ranks;
}

/**
 * Parses a rank table a slice at a time, yielding to the event loop between slices, so that loading
 * a 200,000-token table never stalls the server. `finishNow` completes the rest synchronously (a count
 * that cannot wait) and returns the table.
 */
export function loadRanksInBackground(data: RankData): { done: Promise<BpeRanks>; finishNow(): BpeRanks } {
  const ranks = new BpeRanks();
  const entries = rankEntries(data);
  let finished = false;
  const step = (limit: number): boolean => {
    for (let count = 0; count < limit; count++) {
      const next = entries.next();
      if (next.done) {
        finished = true;
        return true;
      }
      ranks.set(next.value[0], next.value[1]);
    }
    return false;
  };
  const done = new Promise<BpeRanks>((resolve) => {
    const slice = () => {
      if (finished || step(LOAD_SLICE)) resolve(ranks);
      else setImmediate(slice);
    };
    setImmediate(slice);
  });
  return {
    done,
    finishNow() {
      if (!finished) step(Number.POSITIVE_INFINITY);
      return ranks;
    },
  };
}

/**
 * The number of tokens of one piece (the bytes of one match of the encoding's pre-split pattern, as a
 * latin1 string): byte-pair merging, lowest rank first and leftmost among equals, as tiktoken does.
 * Quadratic in the piece's length: callers keep pieces short.
 */
export function countPieceTokens(ranks: BpeRanks, bytes: string): number {
  const length = bytes.length;
  if (length <= 1 || ranks.has(bytes)) return length === 0 ? 0 : 1;
  // starts[i] is where part i begins; a part ends where the next begins (the last at `length`).
  const starts: number[] = [];
  for (let index = 0; index < length; index++) starts.push(index);
  const end = (part: number) => (part + 1 < starts.length ? starts[part + 1]! : length);
  const pairRank = (part: number) =>
    part + 1 < starts.length ? (ranks.get(bytes.slice(starts[part]!, end(part + 1))) ?? Infinity) : Infinity;
  // pairRanks[i]: the rank of parts i and i+1 merged.
  const pairRanks: number[] = [];
  for (let part = 0; part < starts.length; part++) pairRanks.push(pairRank(part));
  while (starts.length > 1) {
    let best = Infinity;
    let at = -1;
    for (let part = 0; part < pairRanks.length - 1; part++) {
      if (pairRanks[part]! < best) {
        best = pairRanks[part]!;
        at = part;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pairRanks.splice(at + 1, 1);
    pairRanks[at] = pairRank(at);
    if (at > 0) pairRanks[at - 1] = pairRank(at - 1);
  }
  return starts.length;
}
