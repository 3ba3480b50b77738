import { afterAll, beforeAll, expect, it } from "vitest";
import type { EmbeddingConfig, PassageCreate } from "../../src/domain/index.js";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

const EMBEDDING: EmbeddingConfig = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 384,
  embedding_chunk_size: 300,
  handle: "openai/text-embedding-3-small",
  batch_size: 256,
};

const CORPUS_SIZE = 3000;
const MEANING_TARGET =
  "The billing service is deployed to production every Tuesday morning by the platform crew.";
const RARE_TARGET = "The vault access phrase for the records room is zephyrine-4417, changed yearly.";

/** A seeded generator, so the corpus (and thus the test) is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A few thousand note-like passages that share vocabulary with the queries word by word (production,
 * service, team, morning...), so that only the right passage matches a query as a whole. Each has
 * random tags (each of red/blue/green with probability 1/2) and a day of 2025.
 */
function corpus(): Array<PassageCreate & { created_at: string; tags: string[] }> {
  const random = seeded(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const subjects = [
    "The analytics team",
    "A support engineer",
    "The design group",
    "Our data crew",
    "The sales lead",
  ];
  const verbs = ["reviewed", "rewrote", "discussed", "migrated", "documented", "tested", "scheduled"];
  const objects = [
    "the search service",
    "the onboarding guide",
    "the production database",
    "the quarterly roadmap",
    "the login page",
    "the invoice template",
    "the mobile app",
  ];
  const times = ["on Monday", "every Friday afternoon", "this morning", "before the release", "after lunch"];
  const passages = Array.from({ length: CORPUS_SIZE }, (_, index) => {
    const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000 + index * 1000);
    const tags = ["red", "blue", "green"].filter(() => random() < 0.5);
    return {
      text: `${pick(subjects)} ${pick(verbs)} ${pick(objects)} ${pick(times)} (note ${index}).`,
      tags,
      created_at: day.toISOString(),
    };
  });
  passages[1234] = { text: MEANING_TARGET, tags: ["blue"], created_at: "2025-06-10T09:00:00.000Z" };
  passages[2345] = { text: RARE_TARGET, tags: ["red"], created_at: "2025-09-01T12:00:00.000Z" };
  return passages;
}

describeOnEachStore("hybrid archival search", (storeKind) => {
  let server: FakeLlmServer;
  let test: TestApp;
  let archiveId: string;
  const passages = corpus();

  beforeAll(async () => {
    server = await startFakeOpenAI({ embeddingDim: 384 });
    const providers = { openai: { apiKey: "sk-test", baseUrl: server.url } };
    test = await createTestApp({
      store: storeKind,
      providers,
      embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }),
    });
    const archive = await test.services.archives.create({ name: "notes", embedding_config: EMBEDDING });
    archiveId = archive.id;
    await test.services.archives.createPassages(archiveId, passages);
  }, 120_000);

  afterAll(async () => {
    await test?.close();
    await server?.close();
  });

  const search = (
    options: Partial<Parameters<TestApp["services"]["archives"]["search"]>[1]> & { query: string },
  ) => test.services.archives.search({ archive_id: archiveId }, { limit: 10, ...options });

  it("ranks the passage that matches a query's meaning first", async () => {
    const result = await search({ query: "When does billing get deployed to production?" });
    expect(result.mode).toBe("hybrid");
    expect(result.hits[0]?.passage.text).toBe(MEANING_TARGET);
    expect(result.hits[0]?.vector_rank).toBe(1);
  });

  it("ranks the passage with a rare keyword first", async () => {
    const result = await search({ query: "zephyrine" });
    expect(result.hits[0]?.passage.text).toBe(RARE_TARGET);
    expect(result.hits[0]?.text_rank).toBe(1);
    if (storeKind === "sqlite") {
      // A word most passages contain ("team") is left out of a full-text query that has a rarer one
      // (PostgreSQL does the same once ANALYZE has gathered the column's statistics).
      const mixed = await test.store.passages.searchText({ archive_ids: [archiveId] }, "team zephyrine", 10);
      expect(mixed.map((hit) => hit.passage.text)).toEqual([RARE_TARGET]);
    }
    expect(result.hits[0]?.score).toBeGreaterThan(result.hits[1]?.score ?? 0);
  });

  it("returns a full top_k under a tag `all` filter when enough passages match", async () => {
    const wanted = ["red", "blue", "green"];
    const matching = passages.filter((passage) => wanted.every((tag) => passage.tags.includes(tag))).length;
    expect(matching).toBeGreaterThan(100); // about one in eight
    const result = await search({
      query: "the team reviewed the search service",
      tags: wanted,
      tag_match_mode: "all",
      limit: 40,
    });
    expect(result.hits).toHaveLength(40);
    for (const hit of result.hits) expect(hit.passage.tags).toEqual(expect.arrayContaining(wanted));
  });

  it("matches any of the tags in `any` mode", async () => {
    const result = await search({ query: "migrated the mobile app", tags: ["green"], limit: 30 });
    expect(result.hits).toHaveLength(30);
    for (const hit of result.hits) expect(hit.passage.tags).toContain("green");
  });

  it("applies an inclusive date range before the limit", async () => {
    const start = "2025-03-01T00:00:00Z";
    const end = "2025-03-31T23:59:59Z";
    const inMarch = passages.filter(
      (p) => p.created_at >= "2025-03-01" && p.created_at <= "2025-03-31T23:59:59.999Z",
    );
    expect(inMarch.length).toBeGreaterThan(60);
    const result = await search({
      query: "discussed the quarterly roadmap",
      start_date: start,
      end_date: end,
      limit: 60,
    });
    expect(result.hits).toHaveLength(60);
    for (const hit of result.hits) {
      expect(hit.passage.created_at >= "2025-03-01T00:00:00.000Z").toBe(true);
      expect(hit.passage.created_at <= "2025-03-31T23:59:59.000Z").toBe(true);
    }
    const june = await search({
      query: "billing deployed",
      start_date: "2025-06-10",
      end_date: "2025-06-10T23:59:59Z",
    });
    expect(june.hits[0]?.passage.text).toBe(MEANING_TARGET);
    const outside = await search({ query: "billing deployed", start_date: "2025-07-01" });
    expect(outside.hits.map((hit) => hit.passage.text)).not.toContain(MEANING_TARGET);
  });

  it("combines tag and date filters", async () => {
    const result = await search({
      query: "documented the login page",
      tags: ["red", "green"],
      tag_match_mode: "all",
      start_date: "2025-10-01T00:00:00Z",
      limit: 20,
    });
    expect(result.hits).toHaveLength(20);
    for (const hit of result.hits) {
      expect(hit.passage.tags).toEqual(expect.arrayContaining(["red", "green"]));
      expect(hit.passage.created_at >= "2025-10-01T00:00:00.000Z").toBe(true);
    }
  });

  it("falls back to full text when no embedder is configured, and says so", async () => {
    const textOnly = await createTestApp({ store: storeKind });
    try {
      const archive = await textOnly.services.archives.create({ name: "plain" });
      await textOnly.services.archives.createPassages(archive.id, passages.slice(2000, 2600));
      const result = await textOnly.services.archives.search(
        { archive_id: archive.id },
        { query: "zephyrine", limit: 5 },
      );
      expect(result.mode).toBe("text");
      expect(result.reason).toMatch(/no embedding model/);
      expect(result.hits[0]?.passage.text).toBe(RARE_TARGET);
      expect(result.hits[0]?.vector_rank).toBeNull();

      expect((await textOnly.store.passages.get(result.hits[0]!.passage.id))?.embedding).toBeNull();
    } finally {
      await textOnly.close();
    }
  });
});
