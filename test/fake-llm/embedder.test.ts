import { describe, expect, it } from "vitest";
import { cosineSimilarity, fakeEmbed } from "./embedder.js";

describe("fakeEmbed", () => {
  it("is deterministic and unit length", () => {
    const vector = fakeEmbed("The quick brown fox", 128);
    expect(vector).toHaveLength(128);
    expect(fakeEmbed("The quick brown fox", 128)).toEqual(vector);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
  });

  it("ranks texts sharing words above unrelated texts", () => {
    const query = fakeEmbed("Where does my sister live?");
    const related = fakeEmbed("My sister lives in Lisbon.");
    const unrelated = fakeEmbed("Quarterly revenue grew by four percent.");
    expect(cosineSimilarity(query, related)).toBeGreaterThan(cosineSimilarity(query, unrelated));
  });

  it("ignores case, punctuation, stop words and simple suffixes", () => {
    expect(cosineSimilarity(fakeEmbed("Cats!"), fakeEmbed("the cat"))).toBeCloseTo(1, 10);
    expect(cosineSimilarity(fakeEmbed("walking"), fakeEmbed("walked"))).toBeCloseTo(1, 10);
  });

  it("gives empty and stop-word-only texts a finite unit vector", () => {
    for (const text of ["", "?!", "the and of"]) {
      const vector = fakeEmbed(text, 16);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
    }
  });
});
