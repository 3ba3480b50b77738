import { describe, expect, it } from "vitest";
import { jsonResponseBody } from "./json-response.js";

const text = async (body: string | ReadableStream<Uint8Array>) =>
  typeof body === "string" ? body : await new Response(body).text();

describe("jsonResponseBody", () => {
  it("gives JSON.stringify's text for values, short arrays and long arrays alike", async () => {
    const passage = (n: number) => ({
      id: `passage-${n}`,
      text: `"${n}"\n\u2028é😀`,
      embedding: [n / 3, -0],
    });
    const long = Array.from({ length: 5_000 }, (_, n) => passage(n));
    const withHoles = [...long, undefined, () => 1, null, { toJSON: () => "custom" }, Number.NaN];
    for (const value of [null, undefined, "text", 3, { a: [1, 2] }, [passage(1)], [], long, withHoles]) {
      expect(await text(jsonResponseBody(value))).toBe(JSON.stringify(value ?? null));
    }
  });

  it("streams a long array in slices, letting timers run in between", async () => {
    const long = Array.from({ length: 50_000 }, (_, n) => ({
      n,
      vector: Array.from({ length: 64 }, () => n),
    }));
    const body = jsonResponseBody(long);
    expect(body).toBeInstanceOf(ReadableStream);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    let slices = 0;
    let ticksDuring = 0;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      slices++;
      ticksDuring = ticks;
    }
    clearInterval(ticker);
    expect(slices).toBeGreaterThan(1);
    expect(ticksDuring).toBeGreaterThan(0);
  });
});
