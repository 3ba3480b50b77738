import Letta from "@letta-ai/letta-client";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type MessageRole, type NewMessage, newMessageRecord, randomIds } from "../../src/domain/index.js";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { enqueueMessageEmbedding } from "../../src/runtime/recall/message-embedding.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const SAILING = "Last summer I went sailing on a little boat with my uncle Rupert.";

describeOnEachStore("POST /v1/messages/search", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;
  let otherId: string;

  const message = (
    agent: string,
    role: MessageRole,
    text: string,
    createdAt: string,
    extra: Partial<NewMessage> = {},
  ) =>
    newMessageRecord({
      id: `message-${crypto.randomUUID()}`,
      agent_id: agent,
      role,
      created_at: createdAt,
      content: [{ type: "text", text }],
      ...extra,
    });

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    const providers = { openai: { apiKey: "sk-test", baseUrl: openai.url } };
    t = await createTestApp({
      store: storeKind,
      providers,
      embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }),
    });
    const create = async (name: string) =>
      (
        await t.call("POST", "/v1/agents/", {
          model: "openai/gpt-4o-mini",
          embedding: "openai/text-embedding-3-small",
          name,
          timezone: "America/New_York",
        })
      ).body.id as string;
    agentId = await create("searcher");
    otherId = await create("other");
    await t.store.messages.append([
      message(agentId, "user", SAILING, "2025-07-01T12:00:00.000Z"),
      message(
        agentId,
        "assistant",
        "That sounds like a lovely summer with Rupert.",
        "2025-07-01T12:00:05.000Z",
      ),
      message(agentId, "user", "My favourite dessert is lemon tart.", "2025-07-02T12:00:00.000Z"),
      // 23:30 on March 9 in New York, though already March 10 in UTC.
      message(agentId, "user", "The violin lesson is late tonight.", "2025-03-10T03:30:00.000Z"),
      // 01:00 on March 10 in New York.
      message(agentId, "user", "The violin teacher called early.", "2025-03-10T05:00:00.000Z"),
      message(agentId, "user", "Rupert phoned in the side thread.", "2025-07-03T12:00:00.000Z", {
        conversation_id: "conv-side",
      }),
      message(agentId, "tool", "Rupert tool output", "2025-07-03T12:00:01.000Z", { tool_call_id: "c1" }),
      message(otherId, "user", "Rupert is also my uncle's name.", "2025-07-04T12:00:00.000Z"),
    ]);
    // Due at once for the app's worker, whose clock starts in January 2026.
    const clock = { now: () => new Date(Date.UTC(2025, 11, 31)) };
    for (const id of [agentId, otherId])
      await enqueueMessageEmbedding(t.store, { clock, ids: randomIds }, id);
    await t.services.jobs.drain();
  });
  afterEach(async () => {
    await t.close();
  });

  const search = (body: Record<string, unknown>) => t.call("POST", "/v1/messages/search", body);
  const contents = (body: JsonBody) => (body as Array<{ content: string }>).map((hit) => hit.content);

  it("ranks by text, by meaning and by both, in Letta's result shape", async () => {
    const fts = await search({ query: "Rupert", agent_id: agentId, search_mode: "fts" });
    expect(fts.status).toBe(200);
    expect(contents(fts.body).sort()).toEqual(
      [SAILING, "That sounds like a lovely summer with Rupert.", "Rupert phoned in the side thread."].sort(),
    );
    const [first] = fts.body;
    expect(first).toMatchObject({ agent_id: agentId, fts_rank: 1, vector_rank: null });
    expect(["user_message", "assistant_message"]).toContain(first.message_type);
    expect(first.message_id).toMatch(/^message-/);

    const vector = await search({ query: "sailboat", agent_id: agentId, search_mode: "vector", limit: 2 });
    expect(vector.status).toBe(200);
    expect(vector.body).toHaveLength(2);
    expect(vector.body[0]).toMatchObject({
      content: SAILING,
      message_type: "user_message",
      vector_rank: 1,
      fts_rank: null,
      created_at: "2025-07-01T12:00:00.000Z",
    });

    // Both rankings put it first ("uncle" is in no other message of this agent): the best fused score.
    const hybrid = await search({ query: "sailboat uncle", agent_id: agentId, limit: 3 });
    expect(hybrid.body[0]).toMatchObject({ content: SAILING, vector_rank: 1, fts_rank: 1 });
    expect(hybrid.body[0].rrf_score).toBeGreaterThan(hybrid.body[1].rrf_score);
  });

  it("filters by role, conversation and dates in the agent's timezone; never returns tool messages", async () => {
    const assistant = await search({ query: "Rupert", agent_id: agentId, roles: ["assistant"] });
    expect(contents(assistant.body)).toEqual(["That sounds like a lovely summer with Rupert."]);
    const tool = await search({ query: "Rupert", agent_id: agentId, roles: ["tool"] });
    expect(tool.body).toEqual([]);

    const side = await search({ query: "Rupert", agent_id: agentId, conversation_id: "conv-side" });
    expect(contents(side.body)).toEqual(["Rupert phoned in the side thread."]);
    const main = await search({
      query: "Rupert",
      agent_id: agentId,
      conversation_id: "default",
      search_mode: "fts",
    });
    expect(contents(main.body).sort()).toEqual(
      [SAILING, "That sounds like a lovely summer with Rupert."].sort(),
    );

    // March 10 in New York starts at 04:00 UTC: the 03:30 UTC message was still March 9 there.
    const march10 = await search({
      query: "violin",
      agent_id: agentId,
      start_date: "2025-03-10",
      end_date: "2025-03-10",
    });
    expect(contents(march10.body)).toEqual(["The violin teacher called early."]);
    const explicit = await search({
      query: "violin",
      agent_id: agentId,
      search_mode: "fts",
      start_date: "2025-03-10T00:00:00Z",
    });
    expect(contents(explicit.body).sort()).toEqual(
      ["The violin lesson is late tonight.", "The violin teacher called early."].sort(),
    );
  });

  it("searches every agent without agent_id, and finds messages not yet embedded by text", async () => {
    const everyone = await search({ query: "Rupert", search_mode: "fts", limit: 10 });
    expect(everyone.status).toBe(200);
    expect(new Set(everyone.body.map((hit: JsonBody) => hit.agent_id))).toEqual(new Set([agentId, otherId]));

    await t.store.messages.append([
      message(agentId, "user", "The plumber is called Zebulon.", "2025-08-01T12:00:00.000Z"),
    ]);
    const fresh = await search({ query: "Zebulon plumber", agent_id: agentId, limit: 3 });
    const plumber = fresh.body.find((hit: JsonBody) => hit.content === "The plumber is called Zebulon.");
    expect(plumber).toMatchObject({ vector_rank: null, fts_rank: 1 });
  });

  it("compares the query only with vectors of the agent's own model, not a former model's of the same size", async () => {
    const [dessert] = await t.store.messages
      .list({ agent_id: agentId, order: "asc", limit: 100 })
      .then((all) =>
        all.filter((m) => m.content.some((part) => part.type === "text" && part.text.includes("lemon tart"))),
      );
    expect(dessert).toBeDefined();
    // As if embedded by a model the agent used before: the same size, so the same index, but its
    // vectors mean nothing next to the current model's (here: exactly the query's vector).
    const agent = (await t.call("GET", `/v1/agents/${agentId}`)).body;
    const [queryVector] = await createEmbedder({
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    }).embed(["sailboat"], agent.embedding_config);
    await t.store.messages.setEmbeddings([
      { id: dessert!.id, embedding: queryVector ?? null, model: "openai/former-model:384" },
    ]);
    const vector = await search({ query: "sailboat", agent_id: agentId, search_mode: "vector", limit: 10 });
    expect(vector.status).toBe(200);
    expect(contents(vector.body)).not.toContain("My favourite dessert is lemon tart.");
    expect(vector.body[0]).toMatchObject({ content: SAILING, vector_rank: 1 });
  });

  it("serves the official client's messages.search", async () => {
    const client = new Letta({
      baseURL: "http://localhost",
      apiKey: null,
      maxRetries: 0,
      fetch: async (input, init) => await t.app.request(String(input), init),
    });
    const results = await client.messages.search({ query: "uncle sailboat", agent_id: agentId, limit: 2 });
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ message_type: "user_message", content: SAILING, agent_id: agentId });
  });

  it("answers bad requests with a 4xx detail", async () => {
    const vectorWithoutAgent = await search({ query: "x", search_mode: "vector" });
    expect(vectorWithoutAgent.status).toBe(400);
    expect(vectorWithoutAgent.body.detail).toContain("agent_id");
    const unknown = await search({ query: "x", agent_id: "agent-00000000-0000-4000-8000-000000000000" });
    expect(unknown.status).toBe(404);
    const badDate = await search({ query: "x", agent_id: agentId, start_date: "yesterday-ish" });
    expect(badDate.status).toBe(400);
    expect(badDate.body.detail).toContain("start_date");
    for (const body of [{}, { query: "x", limit: 0 }, { query: "x", search_mode: "fuzzy" }, { query: 5 }]) {
      const response = await search(body);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.detail).toBeDefined();
    }
    const noEmbedding = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding_config: null,
    });
    const withoutModel = await t.store.agents.update(noEmbedding.body.id, {
      embedding_config: null,
      embedding: null,
    });
    const vectorWithoutModel = await search({
      query: "x",
      agent_id: withoutModel?.id,
      search_mode: "vector",
    });
    expect(vectorWithoutModel.status).toBe(400);
    expect(vectorWithoutModel.body.detail).toContain("embedding model");
  });
});
