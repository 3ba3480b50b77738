import { describe, expect, it } from "vitest";
import { createTokenCounter, estimateTokens } from "../../llm/tokens/index.js";
import { chunkText } from "./chunking.js";

const exact = createTokenCounter("openai/text-embedding-3-small").countText;

function sentences(count: number): string {
  return Array.from(
    { length: count },
    (_, index) => `Sentence number ${index} talks about topic ${index}.`,
  ).join(" ");
}

describe("chunkText", () => {
  it("returns short text whole and blank text as no chunks", () => {
    expect(chunkText("hello world", { maxTokens: 10, countTokens: exact })).toEqual(["hello world"]);
    expect(chunkText("  \n ", { maxTokens: 10, countTokens: exact })).toEqual([]);
  });

  it("keeps every chunk within the budget and loses no words", () => {
    const text = [sentences(40), sentences(25), sentences(60)].join("\n\n");
    const chunks = chunkText(text, { maxTokens: 64, countTokens: exact });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(exact(chunk)).toBeLessThanOrEqual(64);
    expect(chunks.join(" ").split(/\s+/)).toEqual(text.split(/\s+/));
  });

  it("cuts at sentence boundaries when sentences fit", () => {
    const chunks = chunkText(sentences(50), { maxTokens: 40, countTokens: exact });
    for (const chunk of chunks) expect(chunk).toMatch(/^Sentence number \d+ .*\.$/);
  });

  it("prefers paragraph boundaries", () => {
    const first = sentences(3);
    const second = sentences(3).replaceAll("Sentence", "Clause");
    const chunks = chunkText(`${first}\n\n${second}`, { maxTokens: exact(first) + 5, countTokens: exact });
    expect(chunks).toEqual([first, second]);
  });

  it("repeats the tail of a chunk at the start of the next when asked to overlap", () => {
    const chunks = chunkText(sentences(30), { maxTokens: 50, overlapTokens: 15, countTokens: exact });
    for (const [index, chunk] of chunks.entries()) {
      if (index === 0) continue;
      const lastSentenceOfPrevious = chunks[index - 1]!.split(/(?<=\.) /).at(-1)!;
      expect(chunk.startsWith(lastSentenceOfPrevious)).toBe(true);
      expect(exact(chunk)).toBeLessThanOrEqual(50);
    }
  });

  it("splits a single over-long word by characters, without breaking surrogate pairs", () => {
    const word = "🙂".repeat(30) + "x".repeat(200);
    const chunks = chunkText(word, { maxTokens: 16, countTokens: estimateTokens });
    expect(chunks.join("")).toBe(word);
    for (const chunk of chunks) {
      expect(estimateTokens(chunk)).toBeLessThanOrEqual(16);
      expect(chunk).not.toMatch(/[\uD800-\uDBFF]$/);
    }
  });

  it("chunks 1 MB runs of one character or a short pattern, losing nothing", () => {
    for (const unit of ["-", "ab", "B"]) {
      const text = unit.repeat((1 << 20) / unit.length);
      const chunks = chunkText(text, { maxTokens: 300, overlapTokens: 30, countTokens: exact });
      expect(chunks.length).toBeGreaterThan(1);
      for (const chunk of chunks) expect(exact(chunk)).toBeLessThanOrEqual(300);
      // One word, so chunks do not overlap: they join back to the text.
      expect(chunks.join("")).toBe(text);
    }
  });

  it("rejects a budget that cannot make progress", () => {
    expect(() => chunkText("a b", { maxTokens: 0, countTokens: exact })).toThrow(RangeError);
    expect(() => chunkText("a b", { maxTokens: 5, overlapTokens: 5, countTokens: exact })).toThrow(
      RangeError,
    );
  });
});
