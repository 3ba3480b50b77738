import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

describe("archival memory tools with an embedding model", () => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ embeddingDim: 384 });
  });
  afterAll(() => openai.close());

  beforeEach(async () => {
    const providers = { openai: { apiKey: "sk-test", baseUrl: openai.url } };
    t = await createTestApp({ providers, embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }) });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding_config: {
        embedding_endpoint_type: "openai",
        embedding_model: "text-embedding-3-small",
        embedding_dim: 384,
        embedding_chunk_size: 100,
      },
      tools: ["archival_memory_insert", "archival_memory_search"],
    });
    agentId = created.body.id;
  });
  afterEach(() => t.close());

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });
  const toolReturns = (body: { messages: Array<{ message_type: string; tool_return?: string }> }) =>
    body.messages
      .filter((m) => m.message_type === "tool_return_message")
      .map((m) => JSON.parse(m.tool_return ?? "{}") as { status: string; message: string });

  it("stores long content as several embedded passages and finds the right one by meaning", async () => {
    const filler = (topic: string) =>
      Array.from({ length: 30 }, (_, index) => `Note ${index} on ${topic} and related paperwork.`).join(" ");
    const content = [
      filler("invoices"),
      "The greenhouse tomatoes need watering every evening in July.",
      filler("shipping"),
    ].join("\n\n");
    openai.script.push(
      { toolCalls: [{ name: "archival_memory_insert", arguments: { content, tags: ["garden"] } }] },
      { text: "Saved." },
    );
    const inserted = toolReturns((await send("Remember all of this.")).body);
    expect(inserted[0]?.status).toBe("OK");
    expect(inserted[0]?.message).toMatch(/stored as \d+ passages/);

    const stored = await t.call("GET", `/v1/agents/${agentId}/archival-memory?limit=1000`);
    expect(stored.body.length).toBeGreaterThan(3);
    for (const passage of stored.body) {
      expect(passage.embedding).toHaveLength(384);
      expect(passage.tags).toEqual(["garden"]);
    }

    openai.script.push(
      {
        toolCalls: [
          { name: "archival_memory_search", arguments: { query: "when to water the tomatoes", top_k: 3 } },
        ],
      },
      { text: "Every evening." },
    );
    const found = toolReturns((await send("When do the tomatoes get water?")).body);
    const hits = JSON.parse(found[0]?.message ?? "[]") as Array<{ content: string }>;
    expect(hits).toHaveLength(3);
    expect(hits[0]?.content).toContain("The greenhouse tomatoes need watering every evening in July.");
  });
});
