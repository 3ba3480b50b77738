import { describe, expect, it } from "vitest";
import { fuseScored } from "./fusion.js";

const id = (item: string) => item;
const hits = (...entries: Array<[string, number]>) => entries.map(([item, score]) => ({ item, score }));

describe("fusion of a vector and a text ranking", () => {
  it("keeps a strong single text match ahead of weak vector neighbours (min-max, missing = 0)", () => {
    const vector = hits(["a", 0.41], ["b", 0.4], ["c", 0.39], ["d", 0.2]);
    const text = hits(["exact", 12]);
    const fused = fuseScored(id, vector, text, {}, 10);
    expect(fused[0]).toMatchObject({ item: "exact", textRank: 1, vectorRank: null });
  });

  it("lets a large gap in one ranking outweigh a small one in the other, where RRF only sees ranks", () => {
    // The text ranking barely separates x from y; the vector ranking strongly prefers y.
    const vector = hits(["y", 0.9], ["x", 0.2], ["z", 0.19]);
    const text = hits(["x", 5.01], ["y", 5.0], ["z", 0.1]);
    expect(fuseScored(id, vector, text, { method: "minmax", vectorWeight: 0.4 }, 3)[0]?.item).toBe("y");
    expect(fuseScored(id, vector, text, { method: "rrf", vectorWeight: 0.4 }, 3)[0]?.item).toBe("x");
  });

  it("scales each ranking by its separation when asked, and ranks by z-scores", () => {
    const vector = hits(["v", 0.5], ["w", 0.49], ["x", 0.48], ["y", 0.47]);
    const text = hits(["t", 9], ["x", 1]);
    const fused = fuseScored(id, vector, text, { method: "zscore", vectorWeight: 0.5, separation: true }, 4);
    expect(fused[0]?.item).toBe("t");
    expect(new Set(fused.map((hit) => hit.item))).toEqual(new Set(["v", "w", "x", "y", "t"]));
  });

  it("handles empty and degenerate lists without NaN", () => {
    expect(fuseScored(id, [], [])).toEqual([]);
    for (const method of ["rrf", "minmax", "zscore"] as const) {
      const fused = fuseScored(id, hits(["a", 1], ["b", 1]), [], { method, separation: true });
      expect(fused.map((hit) => hit.item)).toEqual(["a", "b"]);
      expect(fused.every((hit) => Number.isFinite(hit.score))).toBe(true);
    }
  });
});
