import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type EmbeddingConfig, newMessageRecord, type Passage } from "../../src/domain/index.js";
import { createEmbedder, type Embedder } from "../../src/llm/providers/embeddings.js";
import { LlmError } from "../../src/llm/providers/llm-error.js";
import { createJobWorker } from "../../src/runtime/jobs/job-worker.js";
import { messageEmbeddingKey } from "../../src/runtime/recall/message-embedding.js";
import { REEMBED_JOB, reembedHandler } from "../../src/runtime/reembed/reembed-job.js";
import { ensureDefaultArchive } from "../../src/runtime/tools/search-tools.js";
import { type FakeLlmServer, fakeEmbed, startFakeOpenAI } from "../fake-llm/index.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

/** The model agents start with (text-embedding-3-small at its full 1536 dimensions). */
const SMALL = "openai/text-embedding-3-small:1536";
/** The same model shortened to 256 dimensions: another index, so every vector must move. */
const SHORT: EmbeddingConfig = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 256,
  embedding_chunk_size: 300,
  handle: "openai/text-embedding-3-small",
  batch_size: 16,
};

const PASSAGES = 150;
const MESSAGES = 40;

describeOnEachStore("re-embedding an agent", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let embedder: Embedder;
  let agentId: string;
  let archiveId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    const providers = { openai: { apiKey: "sk-test", baseUrl: openai.url } };
    embedder = createEmbedder({ providers, retry: { maxRetries: 0 } });
    t = await createTestApp({ store: storeKind, providers, embedder });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding: SMALL,
      name: "mover",
    });
    agentId = created.body.id;
    const agent = await t.store.agents.get(agentId);
    if (!agent?.embedding_config) throw new Error("the agent has no embedding model");
    const archive = await ensureDefaultArchive(
      t.store,
      agent,
      { next: (p) => `${p}-${crypto.randomUUID()}` },
      agent.created_at,
    );
    archiveId = archive.id;
    const texts = Array.from(
      { length: PASSAGES },
      (_, index) => `memory number ${index} about topic ${index % 7}`,
    );
    const vectors = await embedder.embed(texts, agent.embedding_config);
    await t.store.passages.insert(
      texts.map(
        (text, index): Passage => ({
          id: `passage-${crypto.randomUUID()}`,
          text,
          archive_id: archive.id,
          source_id: null,
          file_id: null,
          file_name: null,
          tags: [`t${index % 3}`],
          metadata: null,
          embedding: vectors[index] ?? null,
          embedding_config: agent.embedding_config,
          is_deleted: false,
          created_by_id: null,
          last_updated_by_id: null,
          created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
          updated_at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
        }),
      ),
    );
    await t.store.messages.append(
      Array.from({ length: MESSAGES }, (_, index) =>
        newMessageRecord({
          id: `message-${crypto.randomUUID()}`,
          agent_id: agentId,
          role: index % 2 === 0 ? "user" : "assistant",
          created_at: new Date(Date.UTC(2025, 1, 1, 0, 0, index)).toISOString(),
          content: [{ type: "text", text: `chat line ${index} mentions kayak ${index % 5}` }],
        }),
      ),
    );
  });
  afterEach(async () => {
    await t.close();
  });

  it("moves every passage and message to the new model's dimension, losing none, with progress", async () => {
    const before = await t.store.passages.list({ archive_ids: [archiveId], limit: 1000, order: "asc" });
    expect(before).toHaveLength(PASSAGES);
    expect(before.every((passage) => passage.embedding?.length === 1536)).toBe(true);

    const patched = await t.call("PATCH", `/v1/agents/${agentId}`, { embedding_config: SHORT });
    expect(patched.status).toBe(200);
    expect(patched.body.embedding_config.embedding_dim).toBe(256);
    const [job] = await t.store.jobs.list({ kind: REEMBED_JOB });
    expect(job).toMatchObject({ status: "queued", payload: { agent_id: agentId } });
    // Patching again while it is queued does not queue a second job.
    await t.call("PATCH", `/v1/agents/${agentId}`, { embedding_config: SHORT });
    expect(await t.store.jobs.list({ kind: REEMBED_JOB })).toHaveLength(1);

    await t.services.jobs.drain({ kinds: [REEMBED_JOB] });
    const done = await t.store.jobs.get(job?.id ?? "");
    expect(done?.status).toBe("succeeded");
    expect(done?.progress).toMatchObject({ done: PASSAGES + MESSAGES, total: PASSAGES + MESSAGES });
    expect(done?.result).toMatchObject({ passages: PASSAGES, messages: MESSAGES });

    const after = await t.store.passages.list({ archive_ids: [archiveId], limit: 1000, order: "asc" });
    expect(after.map((passage) => passage.id)).toEqual(before.map((passage) => passage.id));
    expect(after.map((passage) => passage.text)).toEqual(before.map((passage) => passage.text));
    expect(after.map((passage) => passage.tags)).toEqual(before.map((passage) => passage.tags));
    for (const passage of after) {
      expect(passage.embedding).toHaveLength(256);
      expect(passage.embedding_config?.embedding_dim).toBe(256);
    }
    expect((await t.store.archives.get(archiveId))?.embedding_config?.embedding_dim).toBe(256);

    // Searchable in the new index only; the fake's vectors of the right text come back first.
    const query = fakeEmbed("memory number 42 about topic 0", 256);
    const hits = await t.store.passages.searchVector({ archive_ids: [archiveId] }, query, 5);
    expect(hits[0]?.passage.text).toBe("memory number 42 about topic 0");
    const full = await t.store.passages.searchVector({ archive_ids: [archiveId] }, query, PASSAGES + 10);
    expect(full).toHaveLength(PASSAGES);
    expect(
      await t.store.passages.searchVector({ archive_ids: [archiveId] }, fakeEmbed("memory", 1536), 5),
    ).toEqual([]);

    const model = messageEmbeddingKey(SHORT);
    expect(await t.store.messages.countUnembedded({ agent_id: agentId, model, roles: ["user"] })).toBe(0);
    const messageHits = await t.store.messages.searchVector({
      agent_id: agentId,
      vector: fakeEmbed("chat line 7 mentions kayak 2", 256),
      limit: MESSAGES + 5,
    });
    expect(messageHits).toHaveLength(MESSAGES);
    expect(messageHits[0]?.message.content).toEqual([{ type: "text", text: "chat line 7 mentions kayak 2" }]);
    expect(await t.store.messages.countUnembedded({ agent_id: agentId, model: SMALL })).toBeGreaterThan(0);
  });

  it("resumes after a failed attempt without redoing or losing work", async () => {
    await t.call("PATCH", `/v1/agents/${agentId}`, { embedding_config: SHORT });
    // The third embedding request fails: two batches of passages are stored, then the attempt ends.
    let requests = 0;
    const flaky: Embedder = {
      embed: async (texts, model, options) => {
        if (++requests === 3) throw new Error("embedding service unavailable");
        return embedder.embed(texts, model, options);
      },
    };
    const worker = createJobWorker({
      store: t.store,
      clock: { now: () => new Date() },
      handlers: [reembedHandler({ store: t.store, embedder: flaky })],
      backoffMs: () => 0,
      onError: () => undefined,
    });
    await worker.drain();
    const [job] = await t.store.jobs.list({ kind: REEMBED_JOB });
    expect(job?.status).toBe("succeeded");
    expect(job?.attempts).toBe(2);
    const passages = await t.store.passages.list({ archive_ids: [archiveId], limit: 1000 });
    expect(passages).toHaveLength(PASSAGES);
    expect(passages.every((passage) => passage.embedding?.length === 256)).toBe(true);
    // The first attempt stored two pages of 64 passages and failed on the third; the second skipped
    // what was stored and asked only for the last 22 passages and the 40 messages.
    expect(requests).toBe(3 + 2);
  });

  it("fails at once, changing nothing, when the model refuses for good", async () => {
    await t.call("PATCH", `/v1/agents/${agentId}`, { embedding_config: SHORT });
    let requests = 0;
    const refusing: Embedder = {
      embed: async () => {
        requests++;
        throw new LlmError({
          kind: "auth",
          model: "openai/text-embedding-3-small",
          detail: "invalid API key",
        });
      },
    };
    const worker = createJobWorker({
      store: t.store,
      clock: { now: () => new Date() },
      handlers: [reembedHandler({ store: t.store, embedder: refusing })],
      backoffMs: () => 0,
      onError: () => undefined,
    });
    await worker.drain();
    const [job] = await t.store.jobs.list({ kind: REEMBED_JOB });
    expect(job).toMatchObject({ status: "failed", attempts: 1 });
    expect(job?.last_error).toContain("invalid API key");
    expect(requests).toBe(1);
    const passages = await t.store.passages.list({ archive_ids: [archiveId], limit: 1000 });
    expect(passages.every((passage) => passage.embedding?.length === 1536)).toBe(true);
  });
});
