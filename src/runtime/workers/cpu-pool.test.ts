import { afterEach, describe, expect, it } from "vitest";
import type { EmbeddingConfig } from "../../domain/index.js";
import { chunkPassageText } from "../search/passage-chunks.js";
import { type CpuPool, createCpuPool } from "./cpu-pool.js";

const config: EmbeddingConfig = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 1536,
  embedding_chunk_size: 300,
} as EmbeddingConfig;

/** Distinct random words: the slowest ordinary input for the tokenizer. */
function randomWords(chars: number, seed = 1): string {
  let text = "";
  while (text.length < chars) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    const length = 3 + (seed % 12);
    for (let i = 0; i < length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      text += String.fromCharCode(97 + ((seed >> 8) % 26));
    }
    text += seed % 7 === 0 ? ".\n" : " ";
  }
  return text;
}

let pool: CpuPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("createCpuPool", () => {
  it("gives the same result in a thread as in place", async () => {
    pool = createCpuPool({ threads: 1, offloadAbove: 1_000 });
    const text = randomWords(20_000);
    const chunks = await pool.run("chunkPassageText", { text, config }, { size: text.length });
    expect(chunks).toEqual(chunkPassageText(text, config));
    const small = await pool.run("chunkPassageText", { text: "a few words", config }, { size: 11 });
    expect(small).toEqual(["a few words"]);
  });

  it("keeps the event loop turning while a thread works", async () => {
    pool = createCpuPool({ threads: 1, offloadAbove: 1_000 });
    const text = randomWords(60_000, 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    let ticksWhenDone = -1;
    try {
      await pool.run("chunkPassageText", { text, config }, { size: text.length }).then(() => {
        ticksWhenDone = ticks;
      });
    } finally {
      clearInterval(timer);
    }
    // In place, the loop would be blocked for the whole task and no tick would run before it ends.
    expect(ticksWhenDone).toBeGreaterThan(0);
  });

  it("passes expected failures through and rejects what the task throws", async () => {
    pool = createCpuPool({ threads: 1, offloadAbove: 1 });
    const binary = new Uint8Array(4_096).fill(0);
    const parsed = await pool.run("parseFile", { bytes: binary, kind: "text" }, { size: binary.byteLength });
    expect(parsed.ok).toBe(false);
    await expect(
      pool.run(
        "chunkPassageText",
        { text: "x y z", config: { ...config, embedding_chunk_size: 0 } },
        { size: 5 },
      ),
    ).rejects.toThrow(/maxTokens/);
  });

  it("stops the thread of an aborted task and keeps serving", async () => {
    pool = createCpuPool({ threads: 1, offloadAbove: 1_000 });
    const abort = new AbortController();
    const text = randomWords(1_000_000, 5);
    const running = pool.run(
      "chunkPassageText",
      { text, config },
      { size: text.length, signal: abort.signal },
    );
    setTimeout(() => abort.abort(new Error("request gone")), 50);
    await expect(running).rejects.toThrow("request gone");
    const next = randomWords(20_000, 9);
    expect(await pool.run("chunkPassageText", { text: next, config }, { size: next.length })).toEqual(
      chunkPassageText(next, config),
    );
  });

  it("rejects tasks in flight when closed, and new ones after", async () => {
    pool = createCpuPool({ threads: 1, offloadAbove: 1_000 });
    const text = randomWords(1_000_000, 7);
    const running = pool.run("chunkPassageText", { text, config }, { size: text.length });
    const outcome = expect(running).rejects.toThrow(/shutting down/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    await outcome;
    await expect(pool.run("chunkPassageText", { text, config }, { size: text.length })).rejects.toThrow(
      /shutting down/,
    );
  });
});
