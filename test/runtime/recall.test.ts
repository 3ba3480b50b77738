import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type MessageRole, type NewMessage, newMessageRecord } from "../../src/domain/index.js";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { EMBED_MESSAGES_JOB } from "../../src/runtime/recall/message-embedding.js";
import { searchRecall } from "../../src/runtime/recall/recall-search.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

interface RecallResult {
  role: string;
  content: string;
  timestamp: string;
  relevance?: { rrf_score: number; vector_rank: number | null; fts_rank: number | null; search_mode: string };
  previous_turn?: { role: string; content: string; timestamp: string };
  next_turn?: { role: string; content: string; timestamp: string };
}

/** Old history, written straight to the store: a user's life in a few remarks, plus what recall skips. */
function history(agentId: string): NewMessage[] {
  let second = 0;
  const at = () => new Date(Date.UTC(2025, 6, 1, 12, 0, second++)).toISOString();
  const message = (role: MessageRole, text: string, extra: Partial<NewMessage> = {}) =>
    newMessageRecord({
      id: `message-${crypto.randomUUID()}`,
      agent_id: agentId,
      role,
      created_at: at(),
      content: text ? [{ type: "text", text }] : [],
      ...extra,
    });
  return [
    message("user", "Last summer I went sailing on a little boat with my uncle Rupert."),
    message("assistant", "That sounds like a lovely summer."),
    message("user", "My favourite dessert is lemon tart."),
    message("user", "The dentist appointment moved to Thursday."),
    message("user", "I am learning to play the cello."),
    // Recall leaves out tool results and earlier searches, whatever they contain.
    message("assistant", "", {
      tool_calls: [
        {
          id: "call-old",
          type: "function",
          function: { name: "conversation_search", arguments: '{"query":"Rupert sailboat"}' },
        },
      ],
    }),
    message("tool", "", {
      tool_call_id: "call-old",
      tool_returns: [
        {
          tool_call_id: "call-old",
          status: "success",
          func_response: "Rupert sailboat trip results",
          stdout: [],
          stderr: null,
        },
      ],
    }),
  ];
}

describeOnEachStore("recall memory: conversation_search", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    const providers = { openai: { apiKey: "sk-test", baseUrl: openai.url } };
    t = await createTestApp({
      store: storeKind,
      providers,
      embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }),
    });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding: "openai/text-embedding-3-small",
      name: "recall",
    });
    expect(created.status).toBe(200);
    expect(created.body.embedding_config?.embedding_model).toBe("text-embedding-3-small");
    agentId = created.body.id;
    await t.store.messages.append(history(agentId));
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });

  /** Has the model call conversation_search with `args`, and returns what the tool answered. */
  async function search(args: Record<string, unknown>): Promise<RecallResult[]> {
    openai.script.push(
      { toolCalls: [{ name: "conversation_search", arguments: args }] },
      { text: "Found it." },
    );
    const response = await send("Do you remember?");
    expect(response.status).toBe(200);
    const toolReturn = (response.body as JsonBody).messages.find(
      (message: JsonBody) => message.message_type === "tool_return_message",
    );
    expect(toolReturn?.status).toBe("success");
    const packaged = JSON.parse(toolReturn.tool_return) as { message: string };
    return (JSON.parse(packaged.message) as { results: RecallResult[] }).results;
  }

  it("embeds new messages after a turn, then finds an old message by keyword and by meaning", async () => {
    openai.script.push({ text: "Hello again." });
    expect((await send("hello")).status).toBe(200);
    const [job] = await t.store.jobs.list({ kind: EMBED_MESSAGES_JOB });
    expect(job?.status).toBe("queued");
    await t.services.jobs.drain();
    expect((await t.store.jobs.get(job?.id ?? ""))?.status).toBe("succeeded");
    const embedded = await t.store.messages.countUnembedded({
      agent_id: agentId,
      model: "openai/text-embedding-3-small:1536:with-previous-turn",
      roles: ["user", "assistant"],
    });
    expect(embedded).toBe(0);

    // By keyword. The vector ranking always fills the page with the nearest others, but the tool
    // result and the earlier search that mention Rupert are never among them.
    const byKeyword = await search({ query: "Rupert" });
    expect(byKeyword[0]?.content).toBe("Last summer I went sailing on a little boat with my uncle Rupert.");
    expect(byKeyword[0]?.relevance).toMatchObject({ fts_rank: 1, search_mode: "hybrid" });
    expect(byKeyword.filter((hit) => hit.relevance?.fts_rank !== null)).toHaveLength(1);
    expect(byKeyword.some((hit) => hit.content.includes("results") || hit.content === "")).toBe(false);
    expect(byKeyword[0]?.timestamp).toBe("2025-07-01 12:00:00 PM UTC+0000");
    // Each hit comes with the turn after it (and before it, when there is one) in its conversation.
    expect(byKeyword[0]?.previous_turn).toBeUndefined();
    expect(byKeyword[0]?.next_turn).toMatchObject({
      role: "assistant",
      content: "That sounds like a lovely summer.",
    });

    // By meaning: no word of the query is in the message, so only the vector ranking can find it.
    const byMeaning = await search({ query: "sailboat", limit: 3 });
    expect(byMeaning[0]?.content).toBe("Last summer I went sailing on a little boat with my uncle Rupert.");
    expect(byMeaning[0]?.relevance).toMatchObject({ vector_rank: 1, fts_rank: null });
    expect(byMeaning.every((hit) => hit.role === "user" || hit.role === "assistant")).toBe(true);
  });

  it("queues a follow-up when a turn ends while the agent's embedding job runs, so no message waits", async () => {
    openai.script.push({ text: "First." });
    expect((await send("one")).status).toBe(200);
    const [first] = await t.store.jobs.list({ kind: EMBED_MESSAGES_JOB });
    // Another worker holds the job; it may already have made its last check for new messages.
    const now = new Date().toISOString();
    await t.store.jobs.claim({ owner: "other", kinds: [EMBED_MESSAGES_JOB], now, leaseMs: 60_000, limit: 1 });
    openai.script.push({ text: "Second." }, { text: "Third." });
    expect((await send("two")).status).toBe(200);
    expect((await send("three")).status).toBe(200);
    const jobs = await t.store.jobs.list({ kind: EMBED_MESSAGES_JOB, statuses: ["queued", "running"] });
    expect(jobs.map((job) => [job.id === first?.id, job.status])).toEqual(
      expect.arrayContaining([
        [true, "running"],
        [false, "queued"],
      ]),
    );
    expect(jobs).toHaveLength(2);
    const followUp = jobs.find((job) => job.id !== first?.id);
    expect(followUp?.concurrency_key).toBe(`${EMBED_MESSAGES_JOB}:${agentId}:follow-up`);
  });

  it("finds messages by text before they are embedded, and narrows by role and date", async () => {
    // No drain: nothing is embedded yet, and hybrid search still finds the words.
    const byText = await search({ query: "cello" });
    expect(byText.map((hit) => hit.content)).toEqual(["I am learning to play the cello."]);
    expect(byText[0]?.relevance).toMatchObject({ fts_rank: 1, vector_rank: null });

    const assistantOnly = await search({ query: "summer", roles: ["assistant"] });
    expect(assistantOnly.map((hit) => hit.content)).toEqual(["That sounds like a lovely summer."]);

    expect(await search({ query: "summer", start_date: "2025-07-02" })).toEqual([]);
    const sameDay = await search({ query: "summer", start_date: "2025-07-01", end_date: "2025-07-01" });
    expect(sameDay).toHaveLength(2);
  });

  it("answers by text when the embedding model fails, unless vector search was asked for", async () => {
    const failing = async (): Promise<number[]> => {
      throw new Error("embedding service unavailable");
    };
    const hybrid = await searchRecall(t.store, { agentId, query: "cello", limit: 5, embedQuery: failing });
    expect(hybrid.mode).toBe("fts");
    expect(hybrid.hits.map((hit) => hit.message.id)).toHaveLength(1);
    await expect(
      searchRecall(t.store, { agentId, query: "cello", limit: 5, mode: "vector", embedQuery: failing }),
    ).rejects.toThrow("embedding service unavailable");
  });
});
