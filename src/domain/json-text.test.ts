import { describe, expect, it } from "vitest";
import { jsonNestingDepth, MAX_JSON_DEPTH, parseRequestJson, stripNulDeep } from "./json-text.js";

describe("jsonNestingDepth", () => {
  it("counts objects and arrays, not brackets inside strings", () => {
    expect(jsonNestingDepth('"plain"')).toBe(0);
    expect(jsonNestingDepth('{"a": [1, {"b": []}]}')).toBe(4);
    expect(jsonNestingDepth('{"a": "[[[{{{", "b": "\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('["\\\\", [[]]]')).toBe(3);
    // An escaped backslash, then an escaped quote: the string ends only at the next quote.
    expect(jsonNestingDepth('["a\\\\\\"[", [[]]]')).toBe(3);
    expect(jsonNestingDepth(`{"text": "${"[".repeat(1_000)}\\\\"}`)).toBe(1);
    // An unterminated string hides what follows it; the parser reports the error.
    expect(jsonNestingDepth('[["abc')).toBe(2);
  });

  it("stops early past the limit and needs no stack for any depth", () => {
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(jsonNestingDepth(deep, 10)).toBe(11);
    expect(jsonNestingDepth(deep)).toBe(1_000_000);
  });
});

describe("parseRequestJson", () => {
  it("refuses nesting past the limit with a 422 naming it, and accepts the limit itself", () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    expect(parseRequestJson(nested(MAX_JSON_DEPTH), "body")).toBeTypeOf("object");
    expect(() => parseRequestJson(nested(MAX_JSON_DEPTH + 1), "The body")).toThrow(
      expect.objectContaining({ code: "validation", message: expect.stringContaining(`${MAX_JSON_DEPTH}`) }),
    );
  });

  it("removes NUL from every string and key, keeping `__proto__` an ordinary key", () => {
    const parsed = parseRequestJson(
      '{"la\\u0000bel": "a\\u0000b", "list": ["\\u0000", 1, null], "__proto__": {"x\\u0000": true}}',
      "body",
    ) as Record<string, unknown>;
    expect(parsed).toEqual({ label: "ab", list: ["", 1, null], ["__proto__"]: { x: true } });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toContain("__proto__");
    // An escaped backslash followed by the letters u0000 is not a NUL.
    expect(parseRequestJson('"\\\\u0000"', "body")).toBe("\\u0000");
    expect(stripNulDeep({ a: ["x\u0000y"] })).toEqual({ a: ["xy"] });
  });
});
