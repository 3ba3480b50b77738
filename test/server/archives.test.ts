import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { createTokenCounter } from "../../src/llm/tokens/index.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const EMBEDDING_CONFIG = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 384,
  embedding_chunk_size: 300,
};

describeOnEachStore("archives and archival memory API", (storeKind) => {
  let server: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    server = await startFakeOpenAI({ embeddingDim: 384 });
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    const providers = { openai: { apiKey: "sk-test", baseUrl: server.url } };
    t = await createTestApp({
      store: storeKind,
      providers,
      embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }),
    });
  });
  afterEach(() => t.close());

  const ok = async (method: string, path: string, body?: unknown) => {
    const response = await t.call(method, path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const createAgent = (name: string) =>
    ok("POST", "/v1/agents/", { name, model: "openai/gpt-4o-mini", embedding_config: EMBEDDING_CONFIG });
  const createArchive = (name: string) =>
    ok("POST", "/v1/archives/", { name, embedding_config: EMBEDDING_CONFIG });

  it("creates, lists, renames and deletes archives", async () => {
    const archive = await createArchive("team notes");
    expect(archive).toMatchObject({ name: "team notes", vector_db_provider: "native", description: null });
    expect(archive.id).toMatch(/^archive-/);
    expect(archive.embedding_config).toMatchObject({ embedding_dim: 384 });
    const byHandle = await ok("POST", "/v1/archives/", {
      name: "other",
      embedding: "openai/text-embedding-3-small",
    });
    expect(byHandle.embedding_config).toMatchObject({ handle: "openai/text-embedding-3-small" });

    expect((await ok("GET", "/v1/archives/?name=team%20notes")).map((a: { id: string }) => a.id)).toEqual([
      archive.id,
    ]);
    expect(await ok("GET", "/v1/archives/")).toHaveLength(2);
    const renamed = await ok("PATCH", `/v1/archives/${archive.id}`, { name: "renamed", description: "d" });
    expect(renamed).toMatchObject({ name: "renamed", description: "d" });
    expect(await ok("GET", `/v1/archives/${archive.id}`)).toMatchObject({ name: "renamed" });

    await ok("POST", `/v1/archives/${archive.id}/passages`, { text: "kept until the archive goes" });
    await ok("DELETE", `/v1/archives/${archive.id}`);
    const gone = await t.call("GET", `/v1/archives/${archive.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.detail).toMatch(/Archive/);
    expect(await t.store.passages.count([archive.id])).toBe(0);
  });

  it("rejects bad archive and passage input with a 4xx detail and writes nothing", async () => {
    const noName = await t.call("POST", "/v1/archives/", { description: "x" });
    expect(noName.status).toBeGreaterThanOrEqual(400);
    expect(noName.status).toBeLessThan(500);
    expect(noName.body.detail).toBeDefined();
    expect((await t.call("PATCH", "/v1/archives/archive-nope", { name: "x" })).status).toBe(404);

    const archive = await createArchive("a");
    const empty = await t.call("POST", `/v1/archives/${archive.id}/passages/batch`, {
      passages: [{ text: "good one" }, { text: "   " }],
    });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/passage 1 has no text/);
    const badDate = await t.call("POST", `/v1/archives/${archive.id}/passages`, {
      text: "dated",
      created_at: "yesterday-ish",
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.detail).toMatch(/created_at/);
    expect(await t.store.passages.count([archive.id])).toBe(0);
    expect((await t.call("POST", "/v1/archives/archive-nope/passages", { text: "x" })).status).toBe(404);
  });

  it("creates passages singly and in batches, embedded, and deletes them", async () => {
    const archive = await createArchive("a");
    const single = await ok("POST", `/v1/archives/${archive.id}/passages`, {
      text: "The deploy window is Tuesday.",
      tags: ["ops", "ops"],
      metadata: { source: "wiki" },
      created_at: "2025-02-03T04:05:06Z",
    });
    expect(single).toMatchObject({
      archive_id: archive.id,
      tags: ["ops"],
      metadata: { source: "wiki" },
      created_at: "2025-02-03T04:05:06.000Z",
      passage_count: 1,
      passage_ids: [single.id],
    });
    expect(single.embedding).toHaveLength(384);
    expect(single.embedding_config).toMatchObject({ embedding_dim: 384 });

    const batch = await ok("POST", `/v1/archives/${archive.id}/passages/batch`, {
      passages: [{ text: "first of two" }, { text: "second of two", tags: ["b"] }],
    });
    expect(batch.map((passage: { text: string }) => passage.text)).toEqual(["first of two", "second of two"]);
    expect(await t.store.passages.count([archive.id])).toBe(3);

    const other = await createArchive("other");
    expect((await t.call("DELETE", `/v1/archives/${other.id}/passages/${single.id}`)).status).toBe(404);
    await ok("DELETE", `/v1/archives/${archive.id}/passages/${single.id}`);
    expect(await t.store.passages.count([archive.id])).toBe(2);
  });

  it("chunks long text by tokens instead of rejecting or truncating it, and says how many passages", async () => {
    const archive = await createArchive("a");
    const words = Array.from({ length: 2500 }, (_, index) => `word${index}`);
    const text = words.join(" ");
    const created = await ok("POST", `/v1/archives/${archive.id}/passages`, { text, tags: ["long"] });
    expect(created.passage_count).toBeGreaterThan(5);
    expect(created.passage_ids).toHaveLength(created.passage_count);

    const stored = await t.store.passages.list({ archive_ids: [archive.id], order: "asc", limit: 1000 });
    expect(stored).toHaveLength(created.passage_count);
    const count = createTokenCounter("text-embedding-3-small").countText;
    const chunks = [...stored].sort(
      (a, b) => (a.metadata?.chunk_index as number) - (b.metadata?.chunk_index as number),
    );
    for (const [index, passage] of chunks.entries()) {
      expect(count(passage.text)).toBeLessThanOrEqual(300);
      expect(passage.tags).toEqual(["long"]);
      expect(passage.metadata).toMatchObject({ chunk_index: index, chunk_count: created.passage_count });
      expect(passage.embedding).toHaveLength(384);
    }
    // Every word survives, in order (chunks overlap a little, so consecutive repeats are dropped).
    const seen: string[] = [];
    for (const passage of chunks) {
      for (const word of passage.text.split(" ")) if (!seen.includes(word)) seen.push(word);
    }
    expect(seen).toEqual(words);
  });

  it("serves one archive to several agents until it is detached", async () => {
    const first = await createAgent("first");
    const second = await createAgent("second");
    const shared = await createArchive("shared");
    await ok("POST", `/v1/archives/${shared.id}/passages`, {
      text: "The office wifi password is orchid-77.",
    });
    await ok("PATCH", `/v1/agents/${first.id}/archives/attach/${shared.id}`);
    await ok("PATCH", `/v1/agents/${second.id}/archives/attach/${shared.id}`);
    await ok("PATCH", `/v1/agents/${second.id}/archives/attach/${shared.id}`); // idempotent

    const agents = await ok("GET", `/v1/archives/${shared.id}/agents`);
    expect(agents.map((agent: { id: string }) => agent.id).sort()).toEqual([first.id, second.id].sort());
    expect((await ok("GET", `/v1/archives/?agent_id=${first.id}`)).map((a: { id: string }) => a.id)).toEqual([
      shared.id,
    ]);
    for (const agent of [first, second]) {
      const found = await ok("GET", `/v1/agents/${agent.id}/archival-memory/search?query=wifi%20password`);
      expect(found.results[0].content).toBe("The office wifi password is orchid-77.");
    }

    await ok("PATCH", `/v1/agents/${second.id}/archives/detach/${shared.id}`);
    const after = await ok("GET", `/v1/agents/${second.id}/archival-memory/search?query=wifi%20password`);
    expect(after).toMatchObject({ count: 0, results: [] });
    expect(await t.store.passages.count([shared.id])).toBe(1);
    expect((await t.call("PATCH", `/v1/agents/${second.id}/archives/attach/archive-nope`)).status).toBe(404);
  });

  it("inserts, lists, searches and deletes an agent's archival memory", async () => {
    const agent = await createAgent("keeper");
    const base = `/v1/agents/${agent.id}/archival-memory`;
    const created = await ok("POST", base, {
      text: "Sam prefers tea over coffee in the morning.",
      tags: ["prefs"],
      created_at: "2025-05-01T08:00:00Z",
    });
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ tags: ["prefs"], created_at: "2025-05-01T08:00:00.000Z" });
    await ok("POST", base, { text: "The quarterly report is due on the fifth.", tags: ["work"] });
    await ok("POST", base, { text: "Sam's cat is called Miso.", tags: ["prefs", "pets"] });

    const listed = await ok("GET", base);
    expect(listed.map((p: { text: string }) => p.text)[0]).toBe(
      "Sam prefers tea over coffee in the morning.",
    );
    expect(await ok("GET", `${base}?ascending=false&limit=1`)).toHaveLength(1);
    expect((await ok("GET", `${base}?search=miso`)).map((p: { text: string }) => p.text)).toEqual([
      "Sam's cat is called Miso.",
    ]);

    const found = await ok("GET", `${base}/search?query=does%20Sam%20like%20morning%20tea&top_k=2`);
    expect(found.search_mode).toBe("hybrid");
    expect(found.count).toBe(found.results.length);
    expect(found.results[0]).toMatchObject({
      id: created[0].id,
      content: "Sam prefers tea over coffee in the morning.",
      tags: ["prefs"],
      vector_rank: 1,
    });
    expect(found.results[0].score).toBeGreaterThan(0);
    expect(typeof found.results[0].timestamp).toBe("string");

    const tagged = await ok("GET", `${base}/search?query=Sam&tags=prefs&tags=pets&tag_match_mode=all`);
    expect(tagged.results.map((r: { content: string }) => r.content)).toEqual(["Sam's cat is called Miso."]);
    const dated = await ok(
      "GET",
      `${base}/search?query=Sam&start_datetime=2025-04-01T00:00:00Z&end_datetime=2025-05-31T00:00:00Z`,
    );
    expect(dated.results.map((r: { id: string }) => r.id)).toEqual([created[0].id]);
    const badDate = await t.call("GET", `${base}/search?query=Sam&start_datetime=soon`);
    expect(badDate.status).toBe(400);
    expect(badDate.body.detail).toMatch(/start_date/);

    const stranger = await createAgent("stranger");
    expect(
      (await t.call("DELETE", `/v1/agents/${stranger.id}/archival-memory/${created[0].id}`)).status,
    ).toBe(404);
    await ok("DELETE", `${base}/${created[0].id}`);
    expect(await ok("GET", base)).toHaveLength(2);
  });

  it("searches passages across an archive with POST /v1/passages/search, with relevance", async () => {
    const archive = await createArchive("kb");
    await ok("POST", `/v1/archives/${archive.id}/passages/batch`, {
      passages: [
        { text: "Rotate the API keys every ninety days.", tags: ["security"] },
        { text: "Lunch is served at noon in the atrium.", tags: ["office"] },
        { text: "Security badges must be worn at all times.", tags: ["security", "office"] },
      ],
    });
    const results = await ok("POST", "/v1/passages/search", {
      query: "how often should keys be rotated",
      archive_id: archive.id,
      limit: 2,
    });
    expect(results).toHaveLength(2);
    expect(results[0].passage.text).toBe("Rotate the API keys every ninety days.");
    expect(results[0].metadata).toMatchObject({ search_mode: "hybrid", vector_rank: 1 });
    expect(results[0].score).toBeGreaterThan(results[1].score);

    const filtered = await ok("POST", "/v1/passages/search", {
      query: "security",
      tags: ["office"],
      archive_id: archive.id,
    });
    // The vector list ranks every passage that passes the filter; only tagged ones may come back.
    expect(filtered[0].passage.text).toBe("Security badges must be worn at all times.");
    expect(filtered[0].metadata.text_rank).toBe(1);
    for (const result of filtered) expect(result.passage.tags).toContain("office");
    expect(filtered.map((r: { passage: { text: string } }) => r.passage.text)).not.toContain(
      "Rotate the API keys every ninety days.",
    );
    expect(
      (await t.call("POST", "/v1/passages/search", { query: "x", limit: 500 })).status,
    ).toBeGreaterThanOrEqual(400);
  });

  it("searches by text only when no embedding model is configured, and says so", async () => {
    const plain = await createTestApp({ store: storeKind });
    try {
      const agent = (
        await plain.call("POST", "/v1/agents/", {
          name: "plain",
          model: "openai/gpt-4o-mini",
          embedding_config: null,
        })
      ).body;
      const created = await plain.call("POST", `/v1/agents/${agent.id}/archival-memory`, {
        text: "The spare key is under the blue flowerpot.",
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body[0].embedding).toBeNull();
      const found = await plain.call(
        "GET",
        `/v1/agents/${agent.id}/archival-memory/search?query=spare%20key`,
      );
      expect(found.body).toMatchObject({ count: 1, search_mode: "text" });
      expect(found.body.search_note).toMatch(/no embedding model/);
      expect(found.body.results[0]).toMatchObject({ vector_rank: null, text_rank: 1 });
    } finally {
      await plain.close();
    }
  });
});
