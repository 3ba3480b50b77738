import { NotFoundError } from "@letta-ai/letta-client";
import type { LettaStreamingResponse } from "@letta-ai/letta-client/resources/agents/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Conformance,
  collect,
  createAgent,
  reassemble,
  startConformance,
  waitFor,
  walk,
} from "./harness.js";

function stopOf(chunks: LettaStreamingResponse[]): string | undefined {
  const stop = chunks.find((c) => c.message_type === "stop_reason");
  return stop?.message_type === "stop_reason" ? stop.stop_reason : undefined;
}

function assistantTexts(chunks: LettaStreamingResponse[]): string[] {
  return [...reassemble(chunks).values()].filter((m) => m.type === "assistant_message").map((m) => m.text);
}

// Conversations through the official client against one real server.
describe("conformance: conversations", () => {
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

  it("creates, lists, retrieves, updates and deletes conversations", async () => {
    const agent = await createAgent(ctx.client);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await ctx.client.conversations.create({ agent_id: agent.id }));
    for (const conversation of made) {
      expect(conversation.id).toMatch(/^conv-/);
      expect(conversation.agent_id).toBe(agent.id);
    }
    const listed = await ctx.client.conversations.list({ agent_id: agent.id });
    const ids = listed.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(made.map((c) => c.id).sort());
    // conversations.list is not auto-paged by the SDK: walk it by hand with `after`.
    const paged: string[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await ctx.client.conversations.list({
        agent_id: agent.id,
        limit: 2,
        ...(after ? { after } : {}),
      });
      if (page.length === 0) break;
      paged.push(...page.map((c) => c.id));
      after = page.at(-1)?.id;
    }
    expect(paged.sort()).toEqual(made.map((c) => c.id).sort());

    const [first, , third] = made as [(typeof made)[0], (typeof made)[0], (typeof made)[0]];
    const retrieved = await ctx.client.conversations.retrieve(first.id);
    expect(retrieved.agent_id).toBe(agent.id);
    expect(Array.isArray(retrieved.in_context_message_ids)).toBe(true);

    const updated = await ctx.client.conversations.update(first.id, { summary: "A renamed conversation" });
    expect(updated.summary).toBe("A renamed conversation");
    expect((await ctx.client.conversations.retrieve(first.id)).summary).toBe("A renamed conversation");

    await ctx.client.conversations.delete(third.id);
    await expect(ctx.client.conversations.retrieve(third.id)).rejects.toBeInstanceOf(NotFoundError);
    const remaining = (await ctx.client.conversations.list({ agent_id: agent.id })).map((c) => c.id);
    expect(remaining).not.toContain(third.id);
  });

  it("streams a turn on a new conversation and lists its messages", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    ctx.openai.script.push({ text: "Conversation reply." });
    const chunks = await collect(
      await ctx.client.conversations.messages.create(conversation.id, {
        messages: [{ role: "user", content: "hello conversation" }],
      }),
    );
    expect(stopOf(chunks)).toBe("end_turn");
    expect(chunks.at(-1)?.message_type).toBe("usage_statistics");
    expect(assistantTexts(chunks)).toEqual(["Conversation reply."]);

    const messages = await walk(
      ctx.client.conversations.messages.list(conversation.id, {
        limit: 1,
        order: "asc",
        include_return_message_types: ["user_message", "assistant_message"],
      }),
    );
    expect(messages.map((m) => m.message_type)).toEqual(["user_message", "assistant_message"]);
    const last = messages.at(-1);
    expect(last?.message_type === "assistant_message" && last.content).toBe("Conversation reply.");
    expect(
      (await ctx.client.conversations.retrieve(conversation.id)).in_context_message_ids?.length,
    ).toBeGreaterThan(1);
  });

  it("streams on the default conversation with agent_id in the body", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "Default reply." });
    const chunks = await collect(
      await ctx.client.conversations.messages.create("default", {
        agent_id: agent.id,
        messages: [{ role: "user", content: "hello default" }],
        stream_tokens: true,
      }),
    );
    expect(stopOf(chunks)).toBe("end_turn");
    expect(assistantTexts(chunks)).toEqual(["Default reply."]);
    const history = await walk(
      ctx.client.agents.messages.list(agent.id, {
        conversation_id: "default",
        include_return_message_types: ["assistant_message"],
      }),
    );
    expect(history.map((m) => (m.message_type === "assistant_message" ? m.content : null))).toEqual([
      "Default reply.",
    ]);
  });

  it("cancels a conversation's slow turn", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    ctx.openai.script.push({ text: "too late", delayMs: 3000 });
    const collecting = collect(
      await ctx.client.conversations.messages.create(conversation.id, {
        messages: [{ role: "user", content: "slow" }],
      }),
    );
    await waitFor(async () =>
      ctx.openai.requests.some((r) => r.endpoint === "completion") ? true : undefined,
    );
    const cancelled = await ctx.client.conversations.cancel(conversation.id, { agent_id: agent.id });
    expect(cancelled).toBeTypeOf("object");
    const chunks = await collecting;
    expect(stopOf(chunks)).toBe("cancelled");
  });

  it("compacts and recompiles a conversation", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    ctx.openai.script.push({ text: "r1" }, { text: "r2" }, { text: "r3" });
    for (const content of ["c1", "c2", "c3"]) {
      await collect(
        await ctx.client.conversations.messages.create(conversation.id, {
          messages: [{ role: "user", content }],
        }),
      );
    }
    const compiled = await ctx.client.conversations.recompile(conversation.id);
    expect(typeof compiled).toBe("string");
    ctx.openai.script.push({ text: "Summary of c1 to c3." });
    const compacted = await ctx.client.conversations.messages.compact(conversation.id);
    expect(typeof compacted.summary).toBe("string");
    expect(compacted.num_messages_after).toBeLessThan(compacted.num_messages_before);
  });

  it("re-attaches to a background run after a dropped stream and replays the rest", async () => {
    const agent = await createAgent(ctx.client);
    if (!agent.tools.some((t) => t.name === "memory_insert")) {
      await ctx.client.post("/v1/tools/add-base-tools");
      const [tool] = await walk(ctx.client.tools.list({ name: "memory_insert" }));
      await ctx.client.agents.tools.attach(tool!.id, { agent_id: agent.id });
    }
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    const text =
      "A long answer that the server streams in many small token chunks after the client dropped out.";
    // Step one runs a server tool at once; step two answers only after a delay, long after the drop.
    ctx.openai.script.push(
      {
        toolCalls: [
          { id: "call_insert_1", name: "memory_insert", arguments: { label: "human", new_string: "x" } },
        ],
      },
      { text, delayMs: 1500 },
    );
    const stream = await ctx.client.conversations.messages.create(conversation.id, {
      messages: [{ role: "user", content: "stream in the background" }],
      background: true,
      stream_tokens: true,
    });
    const seen: LettaStreamingResponse[] = [];
    let runId: string | undefined;
    let lastSeq: number | undefined;
    for await (const chunk of stream) {
      seen.push(chunk);
      if ("run_id" in chunk && typeof chunk.run_id === "string") runId = chunk.run_id;
      if ("seq_id" in chunk && typeof chunk.seq_id === "number") lastSeq = chunk.seq_id;
      if (chunk.message_type === "tool_return_message") break;
    }
    expect(seen.map((c) => c.message_type)).not.toContain("assistant_message");
    expect((await ctx.client.runs.retrieve(runId!)).status).toBe("running");
    expect(runId).toMatch(/^run-/);
    expect(lastSeq).toBeTypeOf("number");

    const rest = await collect(await ctx.client.runs.messages.stream(runId!, { starting_after: lastSeq! }));
    expect(stopOf(rest)).toBe("end_turn");
    for (const chunk of rest) {
      if ("seq_id" in chunk && typeof chunk.seq_id === "number")
        expect(chunk.seq_id).toBeGreaterThan(lastSeq!);
    }
    // Together the two halves hold the whole answer.
    expect(assistantTexts([...seen, ...rest])).toEqual([text]);
    const run = await ctx.client.runs.retrieve(runId!);
    expect(run.status).toBe("completed");

    // The conversation's stream route replays the same run by run_id.
    const again = await collect(
      await ctx.client.conversations.messages.stream(conversation.id, {
        run_id: runId!,
        starting_after: lastSeq!,
      }),
    );
    expect(again.map((c) => c.message_type)).toEqual(rest.map((c) => c.message_type));
    expect(stopOf(again)).toBe("end_turn");
  });
});
