import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeAnthropic, startFakeOpenAI } from "../../../test/fake-llm/index.js";
import { LlmError } from "./llm-error.js";
import { createModelProvider, type ModelProviderOptions } from "./model-provider.js";
import type { RetryNotice } from "./retry.js";
import type { ModelRequest, ModelStreamEvent } from "./types.js";

let openai: FakeLlmServer;
let anthropic: FakeLlmServer;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeOpenAI({ apiKey: "sk-test" }), startFakeAnthropic()]);
});

afterAll(async () => {
  await Promise.all([openai.close(), anthropic.close()]);
});

beforeEach(() => {
  openai.reset();
  anthropic.reset();
});

function provider(overrides: Partial<ModelProviderOptions> = {}) {
  const retries: RetryNotice[] = [];
  const models = createModelProvider({
    providers: {
      openai: { apiKey: "sk-test", baseUrl: openai.url },
      anthropic: { apiKey: "sk-test", baseUrl: anthropic.url },
    },
    retry: { maxRetries: 2, initialDelayMs: 5 },
    timeoutMs: 2_000,
    onRetry: (notice) => retries.push(notice),
    ...overrides,
  });
  return { models, retries };
}

const ask = (model = "openai/gpt-4o-mini"): ModelRequest => ({
  model,
  messages: [{ role: "user", content: "Tell me a story." }],
});

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

async function collect(events: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const all: ModelStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** Reads a stream to its end, returning the events seen before it failed and the error. */
async function streamFailure(events: AsyncIterable<ModelStreamEvent>) {
  const seen: ModelStreamEvent[] = [];
  try {
    for await (const event of events) seen.push(event);
  } catch (error) {
    expect(error).toBeInstanceOf(LlmError);
    return { seen, error: error as LlmError };
  }
  throw new Error("the stream ended without an error");
}

describe("retries", () => {
  it("waits as long as retry-after asks, then succeeds", async () => {
    const { models, retries } = provider();
    openai.script.failNext({ fault: "rate-limit", retryAfterSeconds: 1 }).push({ text: "Once upon a time." });
    const started = Date.now();
    const response = await models.generate(ask());
    expect(response.text).toBe("Once upon a time.");
    expect(openai.requests).toHaveLength(2);
    expect(retries.map((notice) => [notice.error.kind, notice.delayMs])).toEqual([["rate_limit", 1000]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("retries a rate-limited stream before anything was streamed", async () => {
    const waits: number[] = [];
    const { models } = provider({ sleep: async (ms) => void waits.push(ms) });
    anthropic.script.failNext({ fault: "rate-limit", retryAfterSeconds: 7 }).push({ text: "Hello again." });
    const events = await collect(models.stream(ask("anthropic/claude-haiku-4-5")));
    expect(events.at(-1)).toMatchObject({ type: "finish", response: { text: "Hello again." } });
    expect(anthropic.requests).toHaveLength(2);
    expect(waits).toEqual([7000]);
  });

  it("caps the wait retry-after asks for", async () => {
    const waits: number[] = [];
    const { models } = provider({ sleep: async (ms) => void waits.push(ms), retry: { maxDelayMs: 2_000 } });
    openai.script.failNext({ fault: "rate-limit", retryAfterSeconds: 120 }).push({ text: "ok" });
    await models.generate(ask());
    expect(waits).toEqual([2_000]);
  });

  it("retries a 500 then succeeds", async () => {
    const { models, retries } = provider();
    openai.script.failNext({ fault: "server-error" }).push({ text: "Recovered." });
    expect((await models.generate(ask())).text).toBe("Recovered.");
    expect(openai.requests).toHaveLength(2);
    expect(retries).toHaveLength(1);
  });

  it("gives up on a persistent 500 after the configured retries", async () => {
    const { models } = provider({ retry: { maxRetries: 3, initialDelayMs: 1 } });
    openai.script.respondWith(() => ({ fault: "server-error", message: "upstream exploded" }));
    const error = await failure(models.generate(ask()));
    expect(error).toMatchObject({ kind: "server", httpStatus: 500, retries: 3, retryable: true });
    expect(error.message).toBe("openai/gpt-4o-mini: server error (500) after 3 retries: upstream exploded");
    expect(openai.requests).toHaveLength(4);
  });

  it("does not retry a context overflow", async () => {
    const { models } = provider();
    openai.script.failNext({ fault: "context-overflow" });
    const error = await failure(models.generate(ask()));
    expect(error).toMatchObject({ kind: "context_window_exceeded", httpStatus: 400, retryable: false });
    expect(openai.requests).toHaveLength(1);

    anthropic.script.failNext({ fault: "context-overflow" });
    const streamed = await streamFailure(models.stream(ask("anthropic/claude-sonnet-4-5")));
    expect(streamed.error.kind).toBe("context_window_exceeded");
    expect(streamed.error.message).toContain("prompt is too long");
  });

  it("reports a rejected API key as an auth error", async () => {
    const { models } = provider({ providers: { openai: { apiKey: "sk-wrong", baseUrl: openai.url } } });
    const error = await failure(models.generate(ask()));
    expect(error).toMatchObject({ kind: "auth", httpStatus: 401, retryable: false });
    expect(error.message).not.toContain("sk-wrong");
  });

  it("reports an unreachable server as a connection error after retrying", async () => {
    const closed = await startFakeOpenAI();
    await closed.close();
    const { models, retries } = provider({
      providers: { openai: { apiKey: "k", baseUrl: closed.url } },
      retry: { maxRetries: 1, initialDelayMs: 1 },
    });
    const error = await failure(models.generate(ask()));
    expect(error).toMatchObject({ kind: "connection", retries: 1 });
    expect(retries).toHaveLength(1);
  });
});

describe("timeouts and cancellation", () => {
  it("times out a hanging provider", async () => {
    const { models } = provider({ timeoutMs: 200, retry: { maxRetries: 0 } });
    openai.script.failNext({ fault: "hang" });
    const error = await failure(models.generate(ask()));
    expect(error).toMatchObject({ kind: "timeout", retryable: true });
    expect(error.message).toContain("openai/gpt-4o-mini: timed out");
  });

  it("retries after a timeout", async () => {
    const { models } = provider({ timeoutMs: 200 });
    anthropic.script.failNext({ fault: "hang" }).push({ text: "Finally." });
    const events = await collect(models.stream(ask("anthropic/claude-sonnet-4-5")));
    expect(events.at(-1)).toMatchObject({ type: "finish", response: { text: "Finally." } });
    expect(anthropic.requests).toHaveLength(2);
  });

  it("times out a stream that hangs", async () => {
    const { models } = provider({ timeoutMs: 200, retry: { maxRetries: 1, initialDelayMs: 1 } });
    openai.script.failNext({ fault: "hang" }).failNext({ fault: "hang" });
    const { error } = await streamFailure(models.stream(ask()));
    expect(error).toMatchObject({ kind: "timeout", retries: 1 });
  });

  it("cancels promptly when the caller aborts", async () => {
    const { models } = provider({ timeoutMs: 60_000 });
    openai.script.failNext({ fault: "hang" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(models.generate({ ...ask(), abortSignal: controller.signal }));
    expect(error).toMatchObject({ kind: "cancelled", retryable: false });
  });
});

describe("broken answers", () => {
  it("turns malformed JSON into invalid_response without retrying", async () => {
    const { models } = provider();
    openai.script.failNext({ fault: "malformed-json" });
    const error = await failure(models.generate(ask()));
    expect(error).toMatchObject({ kind: "invalid_response", retryable: false, retries: 0 });
    expect(openai.requests).toHaveLength(1);
  });

  it.each(["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"])(
    "turns a malformed stream event into invalid_response (%s)",
    async (model) => {
      const { models } = provider();
      (model.startsWith("openai") ? openai : anthropic).script.failNext({ fault: "malformed-json" });
      const { error } = await streamFailure(models.stream(ask(model)));
      expect(error.kind).toBe("invalid_response");
    },
  );

  it("ends a stream cut mid-way with a connection error, without hanging", async () => {
    const { models } = provider();
    openai.script.failNext({
      fault: "stream-cut",
      afterEvents: 4,
      reply: { text: "alpha beta gamma delta epsilon zeta eta theta" },
    });
    const { seen, error } = await streamFailure(models.stream(ask()));
    expect(seen.some((event) => event.type === "text-delta")).toBe(true);
    expect(seen.some((event) => event.type === "finish")).toBe(false);
    expect(error).toMatchObject({ kind: "connection", retries: 0 });
    expect(openai.requests).toHaveLength(1);
  });

  it("retries a stream cut before anything was streamed", async () => {
    const { models } = provider();
    anthropic.script.failNext({ fault: "stream-cut", afterEvents: 1 }).push({ text: "Whole answer." });
    const events = await collect(models.stream(ask("anthropic/claude-sonnet-4-5")));
    expect(events.at(-1)).toMatchObject({ type: "finish", response: { text: "Whole answer." } });
    expect(anthropic.requests).toHaveLength(2);
  });

  it("retries a response cut mid-body when not streaming", async () => {
    const { models } = provider();
    openai.script.failNext({ fault: "stream-cut" }).push({ text: "Second try." });
    expect((await models.generate(ask())).text).toBe("Second try.");
    expect(openai.requests).toHaveLength(2);
  });
});
