import { describe, expect, it } from "vitest";
import { pageInMemory } from "./in-memory-page.js";

const items = ["a", "b", "c", "d", "e"].map((id, index) => ({
  id,
  created_at: `2026-01-01T00:00:0${index}.000Z`,
}));
const ids = (page: Parameters<typeof pageInMemory>[1]) => pageInMemory(items, page).map((item) => item.id);

describe("pageInMemory", () => {
  it("orders by creation, newest first unless asc", () => {
    expect(ids({})).toEqual(["e", "d", "c", "b", "a"]);
    expect(ids({ order: "asc", limit: 2 })).toEqual(["a", "b"]);
  });

  it("treats after/before as positions in the current order, with an empty page past the end", () => {
    expect(ids({ order: "asc", after: "b", limit: 2 })).toEqual(["c", "d"]);
    expect(ids({ order: "desc", after: "b" })).toEqual(["a"]);
    expect(ids({ order: "asc", after: "e" })).toEqual([]);
    expect(ids({ order: "asc", after: "a", before: "d" })).toEqual(["b", "c"]);
  });

  it("pages backwards from `before`: the items just before the cursor", () => {
    expect(ids({ order: "asc", before: "e", limit: 2 })).toEqual(["c", "d"]);
    expect(ids({ order: "asc", before: "c", limit: 2 })).toEqual(["a", "b"]);
    expect(ids({ order: "asc", before: "a", limit: 2 })).toEqual([]);
  });

  it("ignores a cursor that names no item (a deleted one), as Letta does", () => {
    expect(ids({ after: "zzz", limit: 2 })).toEqual(["e", "d"]);
    expect(ids({ order: "asc", before: "zzz", after: "c" })).toEqual(["d", "e"]);
  });
});
