import { describe, expect, it } from "vitest";
import { countEncodedTokens, type EncodingName, getEncoding } from "./encodings.js";
import { EXACT_WORK_BUDGET, MAX_PIECE_CHARS } from "./piecewise-count.js";

const ENCODINGS: EncodingName[] = ["o200k_base", "cl100k_base"];

/** js-tiktoken's own count, the reference for ordinary text. */
function exact(name: EncodingName, text: string): number {
  return getEncoding(name).encode(text, [], []).length;
}

/** Deterministic ordinary text: prose with punctuation, numbers, code, JSON, CJK, blank lines, indentation. */
function ordinaryText(chars: number): string {
  const parts = [
    "The quick brown fox jumps over the lazy dog. ",
    "Isn't it 2026 already? They'll say it's 3.14159, or 42,000 (roughly). ",
    "\n\n## Heading\n\n- item one\n- item two\n    indented line\n",
    'const answer = { "name": "Reverie", "count": 12, "tags": ["a", "b"] };\n',
    "今天天气很好，我们去公园散步吧。",
    "Ünïcödé café naïve résumé — “quotes” and ‘apostrophes’… ",
    "\tfunction countTokens(text) {\n\t\treturn text.length;\n\t}\n",
    "https://example.com/path/to/page?query=1&other=two#fragment ",
    "emoji 😀🎉 and   three   spaces\r\nwindows line\r\n",
  ];
  let text = "";
  let seed = 7;
  while (text.length < chars) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    text += parts[seed % parts.length];
  }
  return text.slice(0, chars);
}

describe("countEncodedTokens", () => {
  it.each(ENCODINGS)("equals the exact count on ordinary text (%s)", (name) => {
    for (const size of [1, 10, 63, 64, 65, 500, 4_095, 4_097, 20_000, 100_000]) {
      const text = ordinaryText(size);
      expect(countEncodedTokens(name, text), `${size} chars`).toBe(exact(name, text));
    }
    expect(countEncodedTokens(name, "")).toBe(0);
    expect(countEncodedTokens(name, "<|endoftext|> is plain text here")).toBe(
      exact(name, "<|endoftext|> is plain text here"),
    );
  });

  it.each(ENCODINGS)("counts runs up to the chunk size exactly (%s)", (name) => {
    for (const unit of ["-", " ", "ab", "B", "=", "\n"]) {
      const text = `intro ${unit.repeat((MAX_PIECE_CHARS - 2) / unit.length)} outro`;
      expect(countEncodedTokens(name, text)).toBe(exact(name, text));
    }
  });

  it.each(ENCODINGS)("counts 1 MB runs of one character or a short pattern (%s)", (name) => {
    const megabyte = 1 << 20;
    for (const unit of ["-", " ", "ab", "B", "\n", "=-", "😀"]) {
      const text = unit.repeat(megabyte / unit.length);
      // A run is counted as whole chunks of MAX_PIECE_CHARS characters (the regex piece may keep one
      // character apart, e.g. the last space of a run, so allow a token either way per piece).
      const perChunk = exact(name, unit.repeat(MAX_PIECE_CHARS / unit.length));
      const chunks = text.length / MAX_PIECE_CHARS;
      const count = countEncodedTokens(name, text);
      expect(count, JSON.stringify(unit)).toBeGreaterThanOrEqual(Math.floor(chunks * perChunk) - 2);
      expect(count, JSON.stringify(unit)).toBeLessThanOrEqual(Math.ceil(chunks * perChunk) + 2);
    }
  });

  it("never counts fewer tokens than the exact count of a long run", () => {
    // 4,000 dashes is the measured case that took seconds; its exact count is still affordable in a test.
    for (const unit of ["-", " ", "ab"]) {
      const text = unit.repeat(2_000 / unit.length);
      const count = countEncodedTokens("o200k_base", text);
      const reference = exact("o200k_base", text);
      expect(count).toBeGreaterThanOrEqual(reference);
      expect(count).toBeLessThanOrEqual(reference + Math.ceil(text.length / MAX_PIECE_CHARS));
    }
  });

  it("estimates past the work budget, leaning high", () => {
    const text = ordinaryText(4 * EXACT_WORK_BUDGET);
    const reference = exact("o200k_base", text);
    const count = countEncodedTokens("o200k_base", text);
    expect(count).toBeGreaterThanOrEqual(reference * 0.98);
    expect(count).toBeLessThanOrEqual(reference * 1.5);
  });

  it("bounds a long text of distinct random words", () => {
    let seed = 1;
    let text = "";
    while (text.length < 1 << 20) {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      const length = 20 + (seed % 200);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
        text += String.fromCharCode(97 + ((seed >> 8) % 26));
      }
      text += " ";
    }
    const count = countEncodedTokens("o200k_base", text);
    // Random lowercase letters run at 2 to 4 characters per token.
    expect(count).toBeGreaterThan(text.length / 6);
    expect(count).toBeLessThan(text.length);
  });
});
