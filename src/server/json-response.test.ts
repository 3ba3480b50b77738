import { describe, expect, it } from "vitest";
import { serializeJson } from "./json-response.js";

describe("serializeJson", () => {
  it("gives JSON.stringify's text for values, short arrays and long arrays alike", async () => {
    const passage = (n: number) => ({
      id: `passage-${n}`,
      text: `"${n}"\n\u2028é`,
      embedding: [n / 3, -0],
      tags: [],
    });
    const long = Array.from({ length: 5_000 }, (_, n) => passage(n));
    const withHoles = [...long, undefined, () => 1, null, { toJSON: () => "custom" }, Number.NaN];
    for (const value of [null, undefined, "text", 3, { a: [1, 2] }, [passage(1)], [], long, withHoles]) {
      expect(await serializeJson(value)).toBe(JSON.stringify(value ?? null));
    }
  });

  it("lets timers run while it serializes a long array", async () => {
    const long = Array.from({ length: 50_000 }, (_, n) => ({
      n,
      vector: Array.from({ length: 64 }, () => n),
    }));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const text = await serializeJson(long);
    const ticksDuring = ticks;
    clearInterval(ticker);
    expect(text.length).toBe(JSON.stringify(long).length);
    expect(ticksDuring).toBeGreaterThan(0);
  });
});
