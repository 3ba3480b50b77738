import type { LettaStreamingResponse } from "@letta-ai/letta-client/resources/agents/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Conformance,
  collect,
  createAgent,
  expectTypedChunks,
  reassemble,
  startConformance,
  waitFor,
  walk,
} from "./harness.js";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

function typesOf(chunks: LettaStreamingResponse[]): string[] {
  return chunks.map((chunk) => String(chunk.message_type));
}

// Agent messaging through the official client against one real server.
describe("conformance: agent messages and runs", () => {
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

  it("sends a message without streaming and gets a LettaResponse", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "Hello from the fake model." });
    const response = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "hi" }],
    });
    const assistant = response.messages.filter((m) => m.message_type === "assistant_message");
    expect(assistant).toHaveLength(1);
    expect(assistant[0]?.message_type === "assistant_message" && assistant[0].content).toBe(
      "Hello from the fake model.",
    );
    expect(response.stop_reason.stop_reason).toBe("end_turn");
    expect(response.usage.step_count).toBe(1);
    expect(response.usage.total_tokens).toBeGreaterThan(0);
    expect(ctx.openai.requests.filter((r) => r.endpoint === "completion")).toHaveLength(1);
  });

  it("streams whole steps and ends with stop_reason then usage_statistics", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "Streamed reply." });
    const stream = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "stream please" }],
      streaming: true,
    });
    const chunks = await collect(stream);
    expectTypedChunks(chunks);
    const types = typesOf(chunks);
    expect(types.slice(-2)).toEqual(["stop_reason", "usage_statistics"]);
    const stop = chunks.at(-2);
    expect(stop?.message_type === "stop_reason" && stop.stop_reason).toBe("end_turn");
    const texts = [...reassemble(chunks).values()]
      .filter((m) => m.type === "assistant_message")
      .map((m) => m.text);
    expect(texts).toEqual(["Streamed reply."]);
    // Message chunks carry run and sequence ids; seq_id increases.
    const seqs = chunks.flatMap((c) => ("seq_id" in c && typeof c.seq_id === "number" ? [c.seq_id] : []));
    expect(seqs.length).toBeGreaterThan(0);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it("streams tokens as deltas that reassemble by id", async () => {
    const agent = await createAgent(ctx.client);
    const text = "This reply arrives token by token, in several pieces.";
    ctx.openai.script.push({ text });
    const stream = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "tokens please" }],
      streaming: true,
      stream_tokens: true,
    });
    const chunks = await collect(stream);
    expectTypedChunks(chunks);
    const assistantChunks = chunks.filter((c) => c.message_type === "assistant_message");
    expect(assistantChunks.length).toBeGreaterThan(1);
    expect(new Set(assistantChunks.map((c) => ("id" in c ? c.id : undefined))).size).toBe(1);
    const texts = [...reassemble(chunks).values()]
      .filter((m) => m.type === "assistant_message")
      .map((m) => m.text);
    expect(texts).toEqual([text]);
    const stop = chunks.find((c) => c.message_type === "stop_reason");
    expect(stop?.message_type === "stop_reason" && stop.stop_reason).toBe("end_turn");
  });

  it("serves the deprecated messages.stream route", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "Old route." });
    const chunks = await collect(
      await ctx.client.agents.messages.stream(agent.id, { messages: [{ role: "user", content: "old" }] }),
    );
    expectTypedChunks(chunks);
    const texts = [...reassemble(chunks).values()]
      .filter((m) => m.type === "assistant_message")
      .map((m) => m.text);
    expect(texts).toEqual(["Old route."]);
    expect(chunks.find((c) => c.message_type === "stop_reason")).toMatchObject({ stop_reason: "end_turn" });
  });

  it("runs createAsync to completion and serves the run's messages, steps and usage", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "Async answer." });
    const run = await ctx.client.agents.messages.createAsync(agent.id, {
      messages: [{ role: "user", content: "in the background" }],
    });
    expect(run.id).toMatch(/^run-/);
    expect(run.agent_id).toBe(agent.id);
    const done = await waitFor(async () => {
      const current = await ctx.client.runs.retrieve(run.id);
      return TERMINAL.has(String(current.status)) ? current : undefined;
    });
    expect(done.status).toBe("completed");
    expect(done.stop_reason).toBe("end_turn");

    const messages = await walk(ctx.client.runs.messages.list(run.id, { limit: 1 }));
    const ids = messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    const assistant = messages.find((m) => m.message_type === "assistant_message");
    expect(assistant?.message_type === "assistant_message" && assistant.content).toBe("Async answer.");

    const steps = await walk(ctx.client.runs.steps.list(run.id, { limit: 1 }));
    expect(steps).toHaveLength(1);
    expect(steps[0]?.id).toMatch(/^step-/);
    expect(steps[0]?.run_id).toBe(run.id);

    const runs = await walk(ctx.client.runs.list({ agent_id: agent.id, limit: 1 }));
    expect(runs.map((r) => r.id)).toEqual([run.id]);

    const usage = await ctx.client.runs.usage.retrieve(run.id);
    expect(usage.total_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe((usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0));
  });

  it("lists agent messages with include_return_message_types, pages them, and retrieves one as an array", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "first answer" }, { text: "second answer" });
    await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "one" }] });
    await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "two" }] });

    // Message cursors are chronological (Letta's rule): the SDK's pager, which sends `after = <last id>`,
    // walks them oldest first.
    const all = await walk(ctx.client.agents.messages.list(agent.id, { limit: 2, order: "asc" }));
    const ids = all.map((m) => `${m.message_type}:${m.id}`);
    expect(new Set(ids).size).toBe(ids.length);

    const onlyTurns = await walk(
      ctx.client.agents.messages.list(agent.id, {
        limit: 1,
        order: "asc",
        include_return_message_types: ["user_message", "assistant_message"],
      }),
    );
    expect(onlyTurns.map((m) => m.message_type)).toEqual([
      "user_message",
      "assistant_message",
      "user_message",
      "assistant_message",
    ]);
    const last = onlyTurns.at(-1);
    expect(last?.message_type === "assistant_message" && last.content).toBe("second answer");

    // Paging backwards from a cursor (the SDK then keeps sending `before`) also skips filtered-out messages.
    const earlier = await walk(
      ctx.client.agents.messages.list(agent.id, {
        before: last!.id,
        limit: 1,
        order: "asc",
        include_return_message_types: ["user_message", "assistant_message"],
      }),
    );
    expect(earlier.map((m) => m.id).sort()).toEqual(
      onlyTurns
        .slice(0, -1)
        .map((m) => m.id)
        .sort(),
    );

    const retrieved = await ctx.client.messages.retrieve(last!.id);
    expect(Array.isArray(retrieved)).toBe(true);
    expect(retrieved.some((m) => m.id === last!.id && m.message_type === "assistant_message")).toBe(true);
  });

  it("cancels a slow run", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "too late", delayMs: 3000 });
    const run = await ctx.client.agents.messages.createAsync(agent.id, {
      messages: [{ role: "user", content: "take your time" }],
    });
    await waitFor(async () =>
      ctx.openai.requests.some((r) => r.endpoint === "completion") ? true : undefined,
    );
    const cancelled = await ctx.client.agents.messages.cancel(agent.id, { run_ids: [run.id] });
    expect(cancelled).toBeTypeOf("object");
    const done = await waitFor(async () => {
      const current = await ctx.client.runs.retrieve(run.id);
      return TERMINAL.has(String(current.status)) ? current : undefined;
    });
    expect(done.status).toBe("cancelled");
    expect(done.stop_reason).toBe("cancelled");
    // The agent is free again.
    ctx.openai.script.push({ text: "back" });
    const next = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "again" }],
    });
    expect(next.stop_reason.stop_reason).toBe("end_turn");
  });

  it("cancels a streaming run: the stream ends with stop_reason cancelled", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "too late", delayMs: 3000 });
    const stream = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "slow stream" }],
      streaming: true,
    });
    const collecting = collect(stream);
    await waitFor(async () =>
      ctx.openai.requests.some((r) => r.endpoint === "completion") ? true : undefined,
    );
    await ctx.client.agents.messages.cancel(agent.id);
    const chunks = await collecting;
    const stop = chunks.find((c) => c.message_type === "stop_reason");
    expect(stop?.message_type === "stop_reason" && stop.stop_reason).toBe("cancelled");
  });

  it("resets messages, recompiles and compacts", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "a1" }, { text: "a2" }, { text: "a3" });
    for (const content of ["m1", "m2", "m3"]) {
      await ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content }] });
    }

    const compiled = await ctx.client.agents.recompile(agent.id);
    expect(typeof compiled).toBe("string");

    ctx.openai.script.push({ text: "The user said m1, m2 and m3." });
    const compacted = await ctx.client.agents.messages.compact(agent.id);
    expect(typeof compacted.summary).toBe("string");
    expect(compacted.num_messages_after).toBeLessThan(compacted.num_messages_before);

    // Reverie keeps the history in recall memory; the context window is back to the system message alone.
    const reset = await ctx.client.agents.messages.reset(agent.id, { add_default_initial_messages: false });
    expect(reset?.id).toBe(agent.id);
    expect(reset?.message_ids).toHaveLength(1);
    ctx.openai.script.push({ text: "fresh start" });
    await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "after reset" }],
    });
    const request = ctx.openai.requests.filter((r) => r.endpoint === "completion").at(-1);
    const sent = JSON.stringify(request?.body);
    expect(sent).toContain("after reset");
    expect(sent).not.toContain('"m1"');
  });
});
