import { ConflictError, NotFoundError, UnprocessableEntityError } from "@letta-ai/letta-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Conformance, collect, createAgent, startConformance, waitFor } from "./harness.js";

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

function detailOf(error: unknown): unknown {
  return (error as { error?: { detail?: unknown } }).error?.detail;
}

// Error statuses and bodies as the official client sees them.
describe("conformance: errors", () => {
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

  it("answers an unknown agent with a 404 NotFoundError carrying detail", async () => {
    const missing = "agent-00000000-0000-4000-8000-000000000000";
    for (const call of [
      () => ctx.client.agents.retrieve(missing),
      () => ctx.client.agents.update(missing, { name: "x" }),
      () => ctx.client.agents.messages.create(missing, { messages: [{ role: "user", content: "hi" }] }),
    ]) {
      // Each call starts only when awaited: a request started early would reject unobserved.
      const error = await failure(call());
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).status).toBe(404);
      expect(typeof detailOf(error)).toBe("string");
      expect(String(detailOf(error))).toContain(missing);
    }
  });

  it("answers unknown conversations, runs, blocks and messages with 404", async () => {
    for (const call of [
      () => ctx.client.conversations.retrieve("conv-00000000-0000-4000-8000-000000000000"),
      () => ctx.client.runs.retrieve("run-00000000-0000-4000-8000-000000000000"),
      () => ctx.client.blocks.retrieve("block-00000000-0000-4000-8000-000000000000"),
      () => ctx.client.messages.retrieve("message-00000000-0000-4000-8000-000000000000"),
    ]) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(NotFoundError);
      expect(typeof detailOf(error)).toBe("string");
    }
  });

  it("answers an invalid body with a 422 UnprocessableEntityError", async () => {
    const agent = await createAgent(ctx.client);
    const error = await failure(
      ctx.client.agents.update(agent.id, { name: 42 } as unknown as Parameters<
        typeof ctx.client.agents.update
      >[1]),
    );
    expect(error).toBeInstanceOf(UnprocessableEntityError);
    expect((error as UnprocessableEntityError).status).toBe(422);
    expect(detailOf(error)).toBeDefined();

    const badBlock = await failure(
      ctx.client.blocks.create({ label: 7, value: "x" } as unknown as Parameters<
        typeof ctx.client.blocks.create
      >[0]),
    );
    expect(badBlock).toBeInstanceOf(UnprocessableEntityError);
  });

  it("answers a message to a busy agent with a 409 ConflictError", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push({ text: "slow answer", delayMs: 3000 });
    const running = collect(
      await ctx.client.agents.messages.create(agent.id, {
        messages: [{ role: "user", content: "slow" }],
        streaming: true,
      }),
    );
    await waitFor(async () =>
      ctx.openai.requests.some((r) => r.endpoint === "completion") ? true : undefined,
    );
    const error = await failure(
      ctx.client.agents.messages.create(agent.id, { messages: [{ role: "user", content: "me too" }] }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).status).toBe(409);
    expect(String(detailOf(error))).toContain("is currently being processed");

    const conversationError = await failure(
      ctx.client.conversations.messages.create("default", {
        agent_id: agent.id,
        messages: [{ role: "user", content: "me three" }],
      }),
    );
    expect(conversationError).toBeInstanceOf(ConflictError);
    expect(String(detailOf(conversationError))).toContain("is currently being processed");

    await ctx.client.agents.messages.cancel(agent.id);
    await running;
  });

  it("answers a message to a busy conversation with a 409 ConflictError", async () => {
    const agent = await createAgent(ctx.client);
    const conversation = await ctx.client.conversations.create({ agent_id: agent.id });
    ctx.openai.script.push({ text: "slow answer", delayMs: 3000 });
    const running = collect(
      await ctx.client.conversations.messages.create(conversation.id, {
        messages: [{ role: "user", content: "slow" }],
      }),
    );
    await waitFor(async () =>
      ctx.openai.requests.some((r) => r.endpoint === "completion") ? true : undefined,
    );
    const error = await failure(
      ctx.client.conversations.messages.create(conversation.id, {
        messages: [{ role: "user", content: "me too" }],
      }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(String(detailOf(error))).toContain("is currently being processed");
    await ctx.client.conversations.cancel(conversation.id);
    await running;
  });
});
