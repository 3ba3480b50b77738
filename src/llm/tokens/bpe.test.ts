import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { countPieceTokens, loadRanksInBackground, parseRanks, type RankData } from "./bpe.js";
import { getEncoding } from "./encodings.js";

const require = createRequire(import.meta.url);
const cl100k = require("js-tiktoken/ranks/cl100k_base") as RankData;

describe("BPE ranks", () => {
  it("loads in the background to the same table, and finishes at once when a count cannot wait", async () => {
    const parsed = parseRanks(cl100k);
    expect(parsed.size).toBeGreaterThan(100_000);
    const background = loadRanksInBackground(cl100k);
    const early = background.finishNow();
    expect(early.size).toBe(parsed.size);
    expect(await background.done).toBe(early);
    for (const token of ["hello", " world", "!", "\n\n", "ing"])
      expect(early.get(token)).toBe(parsed.get(token));
  });

  it("merges a piece like tiktoken", () => {
    const ranks = parseRanks(cl100k);
    const reference = getEncoding("cl100k_base");
    for (const piece of [
      "hello",
      " antidisestablishmentarianism",
      "qwzxkvjq",
      " 2026",
      "----",
      "\u00e9t\u00e9",
    ]) {
      const bytes = Buffer.from(piece, "utf8").toString("latin1");
      expect(countPieceTokens(ranks, bytes), piece).toBe(reference.encode(piece, [], []).length);
    }
    expect(countPieceTokens(ranks, "")).toBe(0);
  });
});
