import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFixtures } from "../../../test/store/fixtures.js";
import { newMessageRecord, randomIds, systemClock } from "../../domain/index.js";
import { openSqliteStore } from "../../store/index.js";
import { searchRecall } from "../recall/recall-search.js";
import { type Reranker, rerankCandidates } from "./rerank.js";

/** A stand-in cross-encoder: no reranking model is packaged where these tests run (see the README). */
const overlap: Reranker = {
  async score(query, documents) {
    const words = new Set(query.toLowerCase().match(/\w+/g) ?? []);
    return documents.map(
      (document) => (document.toLowerCase().match(/\w+/g) ?? []).filter((w) => words.has(w)).length,
    );
  },
};

describe("the reranking stage", () => {
  it("reorders the first candidates by the reranker's scores and leaves the rest", async () => {
    const candidates = ["alpha", "beta gamma", "gamma delta gamma", "omega"];
    const reranked = await rerankCandidates(candidates, "gamma delta", (text) => text, overlap, { depth: 3 });
    expect(reranked).toEqual(["gamma delta gamma", "beta gamma", "alpha", "omega"]);
  });

  it("keeps the fused order when the reranker fails or answers badly", async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    const failing: Reranker = { score: async () => Promise.reject(new Error("model missing")) };
    const short: Reranker = { score: async () => [1] };
    const nan: Reranker = { score: async (_query, documents) => documents.map(() => Number.NaN) };
    for (const reranker of [failing, short, nan]) {
      expect(await rerankCandidates(["a", "b", "c"], "q", (text) => text, reranker, { onError })).toEqual([
        "a",
        "b",
        "c",
      ]);
    }
    expect(errors).toHaveLength(3);
  });

  it("runs after fusion in recall search", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reverie-rerank-"));
    const store = await openSqliteStore({ path: join(dir, "reverie.db") });
    try {
      const now = systemClock.now().toISOString();
      const agentId = (await store.agents.create(createFixtures().agent())).id;
      const texts = ["the boat trip was fun", "my boat is red and my boat is fast", "lunch was soup"];
      await store.messages.append(
        texts.map((text) =>
          newMessageRecord({
            id: randomIds.next("message"),
            agent_id: agentId,
            role: "user",
            created_at: now,
            content: [{ type: "text", text }],
          }),
        ),
      );
      const search = (reranker?: Reranker) =>
        searchRecall(store, { agentId, query: "red boat", mode: "fts", limit: 3, reranker });
      const reversed: Reranker = { score: async (_query, documents) => documents.map((_, index) => index) };
      const plain = (await search()).hits.map((hit) => hit.message.id);
      const reranked = (await search(reversed)).hits.map((hit) => hit.message.id);
      expect(plain.length).toBe(2);
      expect(reranked).toEqual([...plain].reverse());
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
