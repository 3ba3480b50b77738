import { afterEach, beforeEach, expect, it } from "vitest";
import {
  type EmbeddingConfig,
  type MessageRole,
  type NewMessage,
  newMessageRecord,
} from "../../src/domain/index.js";
import type { Embedder } from "../../src/llm/providers/embeddings.js";
import {
  embedAgentMessages,
  messageEmbeddingKey,
  turnEmbeddingTexts,
} from "../../src/runtime/recall/message-embedding.js";
import { fakeEmbed } from "../fake-llm/embedder.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

const CONFIG: EmbeddingConfig = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 64,
  handle: "openai/text-embedding-3-small",
  batch_size: 32,
};

/** Records every text it is asked to embed, and answers with the fake's bag-of-words vectors. */
function recordingEmbedder(): Embedder & { texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    embed: async (batch) => {
      texts.push(...batch);
      return batch.map((text) => fakeEmbed(text, CONFIG.embedding_dim));
    },
  };
}

describeOnEachStore("recall: the text a message's vector is made from", (storeKind) => {
  let t: TestApp;
  let agentId: string;
  let second = 0;

  const message = (role: MessageRole, text: string, extra: Partial<NewMessage> = {}) =>
    newMessageRecord({
      id: `message-${crypto.randomUUID()}`,
      agent_id: agentId,
      role,
      created_at: new Date(Date.UTC(2025, 6, 1, 12, 0, second++)).toISOString(),
      content: text ? [{ type: "text", text }] : [],
      ...extra,
    });
  const toolCall = (name: string, id: string) =>
    message("assistant", "", {
      tool_calls: [{ id, type: "function", function: { name, arguments: '{"query":"race"}' } }],
    });
  const toolResult = (id: string, text: string) =>
    message("tool", "", {
      tool_call_id: id,
      tool_returns: [{ tool_call_id: id, status: "success", func_response: text, stdout: [], stderr: null }],
    });

  beforeEach(async () => {
    t = await createTestApp({ store: storeKind });
    const created = await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", name: "pairs" });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  it("embeds each turn with the recallable turn before it, skipping tool calls and results", async () => {
    const [question, call, result, answer, next] = await t.store.messages.append([
      message("user", "Did you run the charity race?"),
      toolCall("archival_memory_search", "call-1"),
      toolResult("call-1", "charity race results"),
      message("assistant", "Yes, last Sunday."),
      message("user", "Great!"),
    ]);
    const embedder = recordingEmbedder();
    // One message per batch: every previous turn is read from the store, not found in the batch.
    const processed = await embedAgentMessages({
      store: t.store,
      embedder,
      agentId,
      config: CONFIG,
      batchSize: 1,
    });
    expect(processed).toBe(4); // the tool result is not a recall role; the call is marked, not embedded
    expect(embedder.texts).toEqual([
      "Did you run the charity race?",
      "Yes, last Sunday.\nDid you run the charity race?",
      "Great!\nYes, last Sunday.",
    ]);
    expect(call && result && question && answer && next).toBeTruthy();
    // The same texts in one batch.
    const texts = await turnEmbeddingTexts(
      t.store,
      [question, answer, next].flatMap((m) => (m ? [m] : [])),
    );
    expect(texts).toEqual(embedder.texts);
    // Stored under the message key, so search compares them with queries of the same model.
    const key = messageEmbeddingKey(CONFIG);
    expect(
      await t.store.messages.countUnembedded({ agent_id: agentId, model: key, roles: ["user", "assistant"] }),
    ).toBe(0);
    const hits = await t.store.messages.searchVector({
      agent_id: agentId,
      vector: fakeEmbed("Yes, last Sunday.\nDid you run the charity race?", CONFIG.embedding_dim),
      limit: 1,
      model: key,
    });
    expect(hits[0]?.message.id).toBe(answer?.id);
  });

  it("never takes an earlier search or another conversation's turn as the context", async () => {
    const other = await t.services.conversations.create(agentId, {});
    const [, , , elsewhere, answer] = await t.store.messages.append([
      message("user", "My sister lives in Lisbon."),
      toolCall("conversation_search", "call-2"),
      toolResult("call-2", "Lisbon"),
      message("user", "A new topic in another thread.", { conversation_id: other.id }),
      message("assistant", "Noted."),
    ]);
    const texts = await turnEmbeddingTexts(
      t.store,
      [elsewhere, answer].flatMap((m) => (m ? [m] : [])),
    );
    // The earlier search is skipped, so "Noted." follows the sister; the other thread starts fresh.
    expect(texts).toEqual(["A new topic in another thread.", "Noted.\nMy sister lives in Lisbon."]);
  });

  it("stops looking back after a few wordless turns", async () => {
    const calls = Array.from({ length: 6 }, (_, index) =>
      toolCall("archival_memory_insert", `call-${index}`),
    );
    const stored = await t.store.messages.append([
      message("user", "Far back."),
      ...calls,
      message("assistant", "Done."),
    ]);
    const last = stored.at(-1);
    expect(await turnEmbeddingTexts(t.store, last ? [last] : [])).toEqual(["Done."]);
  });
});
