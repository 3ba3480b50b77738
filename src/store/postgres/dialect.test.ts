import { describe, expect, it } from "vitest";
import { createPostgresDialect } from "./dialect.js";
import { toTsQueryText } from "./text-search.js";

const dialect = createPostgresDialect();

describe("postgres dialect codecs", () => {
  it("writes JSON text that jsonb accepts, replacing U+0000 but not a literal backslash-u0000", () => {
    const encoded = dialect.encodeJson({ nul: "a\u0000b", literal: "c\\u0000d", both: "\\\u0000" }) as string;
    expect(JSON.parse(encoded)).toEqual({ nul: "a\ufffdb", literal: "c\\u0000d", both: "\\\ufffd" });
  });

  it("normalises timestamps to ISO UTC with milliseconds and rejects garbage", () => {
    expect(dialect.encodeTimestamp("2025-01-01T01:00:00+01:00")).toBe("2025-01-01T00:00:00.000Z");
    expect(dialect.decodeTimestamp(new Date(Date.UTC(2025, 0, 2)))).toBe("2025-01-02T00:00:00.000Z");
    expect(() => dialect.encodeTimestamp("yesterday")).toThrow(/invalid timestamp/);
  });

  it("recognises unique violations by SQLSTATE", () => {
    expect(dialect.isUniqueViolation({ code: "23505" })).toBe(true);
    expect(dialect.isUniqueViolation({ code: "23503" })).toBe(false);
    expect(dialect.isUniqueViolation(new Error("23505"))).toBe(false);
  });
});

describe("toTsQueryText", () => {
  it("keeps only words, deduplicated and joined as alternatives", () => {
    expect(toTsQueryText("What's the user's FAVOURITE colour? colour!")).toBe(
      "what | s | the | user | favourite | colour",
    );
    expect(toTsQueryText("naïve café 東京 42")).toBe("naïve | café | 東京 | 42");
  });

  it("has nothing to search in punctuation and tsquery syntax", () => {
    expect(toTsQueryText(`!&|():*'"<-> \\`)).toBeUndefined();
    expect(toTsQueryText("   ")).toBeUndefined();
  });
});
