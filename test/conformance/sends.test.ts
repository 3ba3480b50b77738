import { BadRequestError } from "@letta-ai/letta-client";
import type { LettaStreamingResponse } from "@letta-ai/letta-client/resources/agents/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Conformance, collect, createAgent, startConformance, walk } from "./harness.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted field by field.
type Json = any;

const completions = (ctx: Conformance) =>
  ctx.openai.requests.filter((request) => request.endpoint === "completion");

const assistantTexts = (messages: ReadonlyArray<{ message_type?: unknown }>) =>
  messages.flatMap((message) =>
    message.message_type === "assistant_message" ? [String((message as { content?: unknown }).content)] : [],
  );

const runIdOf = (chunks: readonly LettaStreamingResponse[]) =>
  chunks.flatMap((chunk) => ("run_id" in chunk && typeof chunk.run_id === "string" ? [chunk.run_id] : []))[0];

// Sends as Letta's clients make them: conversations answering JSON, repeated sends (same otid), and a
// per-request model, through the official client against one real server.
describe("conformance: sends", () => {
  let ctx: Conformance;

  beforeAll(async () => {
    ctx = await startConformance();
  });
  afterAll(async () => {
    await ctx?.close();
  });
  beforeEach(() => {
    ctx.openai.reset();
  });

  it("answers streaming:false on a conversation, on `default` and on an agent id with JSON", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    const send = (path: string, body: Record<string, unknown>) =>
      ctx.client.post<Json>(path, {
        body: { messages: [{ role: "user", content: "hi" }], streaming: false, ...body },
      });

    ctx.openai.script.push({ text: "in the conversation" }, { text: "by default" }, { text: "by agent id" });
    const inConversation = await send(`/v1/conversations/${conversation.id}/messages`, {});
    expect(inConversation.stop_reason).toEqual({ message_type: "stop_reason", stop_reason: "end_turn" });
    expect(assistantTexts(inConversation.messages)).toEqual(["in the conversation"]);
    expect(inConversation.usage.step_count).toBe(1);
    const byDefault = await send("/v1/conversations/default/messages", { agent_id: agent.id });
    expect(assistantTexts(byDefault.messages)).toEqual(["by default"]);
    const byAgentId = await send(`/v1/conversations/${agent.id}/messages`, {});
    expect(assistantTexts(byAgentId.messages)).toEqual(["by agent id"]);

    // The agent id also lists the default conversation, as the send to the same path used it.
    const listed = await walk(ctx.client.conversations.messages.list(agent.id, { order: "asc" }));
    expect(assistantTexts(listed)).toEqual(["by default", "by agent id"]);
    const inOwn = await walk(ctx.client.conversations.messages.list(conversation.id, { order: "asc" }));
    expect(assistantTexts(inOwn)).toEqual(["in the conversation"]);
  });

  it("refuses to re-attach to a conversation with no active run, and to compact an empty one (400)", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    const stream = await ctx.client.conversations.messages.stream(conversation.id, {}).catch((e) => e);
    expect(stream).toBeInstanceOf(BadRequestError);
    expect(stream.error.detail).toBe("No active runs found for this conversation.");
    const compact = await ctx.client.conversations.messages.compact(conversation.id).catch((e) => e);
    expect(compact).toBeInstanceOf(BadRequestError);
    expect(compact.error.detail).toMatch(/^Summarization failed to reduce the number of messages/);
    expect(completions(ctx)).toHaveLength(0);
  });

  it("re-attaches a repeated send (same otid) to the running run instead of starting another", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    ctx.openai.script.push({ text: "the one and only answer", delayMs: 1200 });
    const body = {
      messages: [{ role: "user" as const, content: "answer once", otid: "otid-retry-1" }],
      background: true,
      include_pings: false,
    };
    // The first send's connection drops right after its first chunk (the echoed input is not sent).
    const first = await ctx.client.conversations.messages.create(conversation.id, body);
    const controller = first.controller;
    let firstRun: string | undefined;
    for await (const chunk of first) {
      firstRun = runIdOf([chunk]);
      if (firstRun) break;
    }
    controller.abort();

    // The client retries with the same otid: it follows the first run to its end.
    const retried = await collect(await ctx.client.conversations.messages.create(conversation.id, body));
    expect(runIdOf(retried)).toBe(firstRun);
    expect(assistantTexts(retried)).toEqual(["the one and only answer"]);
    expect(retried.at(-2)).toMatchObject({ message_type: "stop_reason", stop_reason: "end_turn" });

    // Once done, a JSON repeat answers the same, and the model was asked once only.
    const again = await ctx.client.post<Json>(`/v1/conversations/${conversation.id}/messages`, {
      body: { ...body, streaming: false },
    });
    expect(assistantTexts(again.messages)).toEqual(["the one and only answer"]);
    expect(again.usage.run_ids).toEqual([firstRun]);
    expect(completions(ctx)).toHaveLength(1);
    const runs = await walk(ctx.client.runs.list({ agent_id: agent.id }));
    expect(runs.map((run) => run.id)).toEqual([firstRun]);
    const history = await walk(ctx.client.conversations.messages.list(conversation.id, { order: "asc" }));
    expect(history.filter((message) => message.message_type === "user_message")).toHaveLength(1);

    // A new otid is a new message.
    ctx.openai.script.push({ text: "a second answer" });
    const fresh = await ctx.client.post<Json>(`/v1/conversations/${conversation.id}/messages`, {
      body: { ...body, streaming: false, messages: [{ role: "user", content: "again", otid: "otid-2" }] },
    });
    expect(assistantTexts(fresh.messages)).toEqual(["a second answer"]);
    expect(completions(ctx)).toHaveLength(2);
  });

  it("runs one request on override_model, leaving the agent's model, and refuses an unknown one", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "from the other model" });
    const response = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
      override_model: "openai/gpt-4o",
    });
    expect(assistantTexts(response.messages)).toEqual(["from the other model"]);
    expect((completions(ctx)[0]!.body as { model: string }).model).toBe("gpt-4o");
    const steps = await walk(ctx.client.runs.steps.list(response.usage.run_ids![0]!));
    expect(steps.map((step) => step.model)).toEqual(["gpt-4o"]);
    const unchanged = await ctx.client.agents.retrieve(agent.id);
    expect(unchanged.llm_config.model).toBe("gpt-4o-mini");

    // The next request, without an override, is back on the agent's model.
    ctx.openai.script.push({ text: "back" });
    await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "again" }] });
    expect((completions(ctx)[1]!.body as { model: string }).model).toBe("gpt-4o-mini");

    for (const handle of ["nosuchprovider/model", "anthropic/claude-sonnet-4-5", "not-a-handle"]) {
      const refused = await ctx.client.agents.messages
        .create(agent.id, { messages: [{ role: "user", content: "x" }], override_model: handle })
        .catch((e) => e);
      expect(refused, handle).toBeInstanceOf(BadRequestError);
      expect(refused.error.detail, handle).toMatch(/handle|provider|configured/i);
      // Streamed sends are refused before any stream starts.
      const streamed = await ctx.client.agents.messages
        .create(agent.id, {
          messages: [{ role: "user", content: "x" }],
          override_model: handle,
          streaming: true,
        })
        .catch((e) => e);
      expect(streamed, handle).toBeInstanceOf(BadRequestError);
    }
    expect(completions(ctx)).toHaveLength(2);
    expect(await walk(ctx.client.runs.list({ agent_id: agent.id }))).toHaveLength(2);
  });
});
