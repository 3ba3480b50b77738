import { describe, expect, it } from "vitest";
import { diffLines, lineDiff } from "./line-diff.js";

describe("lineDiff", () => {
  it("keeps unchanged lines aligned between edits", () => {
    expect(lineDiff("a\nb\nc\nd", "a\nB\nc\nd\ne")).toBe(" a\n-b\n+B\n c\n d\n+e");
  });

  it("shows a new block as all added and an emptied one as all removed", () => {
    expect(lineDiff("", "x\ny")).toBe("+x\n+y");
    expect(lineDiff("x\ny", "")).toBe("-x\n-y");
    expect(lineDiff("same", "same")).toBe(" same");
  });
});

describe("diffLines", () => {
  it("lists every line once with what happened to it", () => {
    expect(diffLines("keep\nold", "keep\nnew")).toEqual([
      { op: "equal", text: "keep" },
      { op: "delete", text: "old" },
      { op: "insert", text: "new" },
    ]);
  });
});
