import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeAnthropic, startFakeOpenAI } from "../../../test/fake-llm/index.js";
import { LlmError } from "./llm-error.js";
import { createModelProvider } from "./model-provider.js";
import type { ModelProvider, ModelRequest, ModelStreamEvent, ToolDefinition } from "./types.js";

const WEATHER: ToolDefinition = {
  name: "get_weather",
  description: "Current weather of a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

async function collect(events: AsyncIterable<ModelStreamEvent>): Promise<ModelStreamEvent[]> {
  const all: ModelStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

let openai: FakeLlmServer;
let anthropic: FakeLlmServer;
let models: ModelProvider;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([
    startFakeOpenAI({ apiKey: "sk-openai" }),
    startFakeAnthropic({ apiKey: "sk-anthropic" }),
  ]);
  models = createModelProvider({
    providers: {
      openai: { apiKey: "sk-openai", baseUrl: openai.url },
      anthropic: { apiKey: "sk-anthropic", baseUrl: anthropic.url },
      openaiCompatible: [{ name: "vllm", baseUrl: openai.url, apiKey: "sk-openai" }],
    },
    retry: { maxRetries: 0 },
  });
});

afterAll(async () => {
  await Promise.all([openai.close(), anthropic.close()]);
});

beforeEach(() => {
  openai.reset();
  anthropic.reset();
});

const cases = [
  { provider: "openai", handle: "openai/gpt-4o-mini", server: () => openai },
  { provider: "anthropic", handle: "anthropic/claude-sonnet-4-5", server: () => anthropic },
] as const;

describe.each(cases)("$provider", ({ provider, handle, server }) => {
  const isOpenAI = provider === "openai";
  const request = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
    model: handle,
    system: "You are a test.",
    messages: [{ role: "user", content: "What is the weather in Paris?" }],
    tools: [WEATHER],
    ...overrides,
  });

  it("generates text with the provider's usage", async () => {
    server().script.push({ text: "Sunny.", usage: { inputTokens: 42, outputTokens: 3 } });
    const response = await models.generate(request());
    expect(response).toMatchObject({
      text: "Sunny.",
      toolCalls: [],
      finishReason: "stop",
      usage: { promptTokens: 42, completionTokens: 3, totalTokens: 45 },
      model: handle,
    });
  });

  // OpenAI sends argument JSON as text (kept byte for byte); Anthropic sends an object, which the SDK
  // serializes compactly when not streaming.
  it("generates tool calls with their argument JSON", async () => {
    server().script.push({
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }],
    });
    const response = await models.generate(request({ toolChoice: "required" }));
    expect(response.finishReason).toBe("tool-calls");
    const expected = isOpenAI ? '{"city": "Paris"}' : '{"city":"Paris"}';
    expect(response.toolCalls).toEqual([{ id: "call_1", name: "get_weather", arguments: expected }]);
  });

  it.runIf(isOpenAI)("hands back invalid argument JSON as produced", async () => {
    server().script.push({ toolCalls: [{ name: "get_weather", arguments: '{"city": "Par' }] });
    const response = await models.generate(request());
    expect(response.toolCalls).toMatchObject([{ name: "get_weather", arguments: '{"city": "Par' }]);
  });

  it("streams invalid argument JSON as produced", async () => {
    server().script.push({ toolCalls: [{ id: "call_x", name: "get_weather", arguments: '{"city": "Par' }] });
    const events = await collect(models.stream(request()));
    const end = events.find((event) => event.type === "tool-call-end");
    expect(end?.type === "tool-call-end" && end.toolCall).toEqual({
      id: "call_x",
      name: "get_weather",
      arguments: '{"city": "Par',
    });
  });

  it("leaves a forced tool choice the model ignored to the caller", async () => {
    server().script.push({ text: "No tool for you." });
    const response = await models.generate(request({ toolChoice: "required" }));
    expect(response).toMatchObject({ text: "No tool for you.", toolCalls: [] });
    const body = server().requests.at(-1)?.body as { tool_choice?: unknown };
    expect(body.tool_choice).toEqual(isOpenAI ? "required" : { type: "any" });
  });

  it("streams text deltas, then finish with usage", async () => {
    server().script.push({ text: "It is sunny in Paris.", usage: { inputTokens: 20, outputTokens: 6 } });
    const events = await collect(models.stream(request()));
    const deltas = events.filter((event) => event.type === "text-delta");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((event) => event.text).join("")).toBe("It is sunny in Paris.");
    const last = events.at(-1);
    expect(last?.type).toBe("finish");
    if (last?.type !== "finish") return;
    expect(last.response).toMatchObject({
      text: "It is sunny in Paris.",
      finishReason: "stop",
      usage: { promptTokens: 20, completionTokens: 6, totalTokens: 26 },
    });
  });

  it("streams tool calls: start, argument fragments, end", async () => {
    const args = { city: "Paris", units: "metric" };
    server().script.push({
      toolCalls: [
        { id: "call_a", name: "get_weather", arguments: args },
        { id: "call_b", name: "get_weather", arguments: { city: "Oslo" } },
      ],
    });
    const events = await collect(models.stream(request({ parallelToolCalls: true })));
    const starts = events.filter((event) => event.type === "tool-call-start");
    expect(starts).toEqual([
      { type: "tool-call-start", id: "call_a", name: "get_weather" },
      { type: "tool-call-start", id: "call_b", name: "get_weather" },
    ]);
    const fragments = events.filter((event) => event.type === "tool-call-delta" && event.id === "call_a");
    expect(fragments.length).toBeGreaterThan(1);
    const reassembled = fragments.map((event) =>
      event.type === "tool-call-delta" ? event.argumentsDelta : "",
    );
    expect(JSON.parse(reassembled.join(""))).toEqual(args);
    const ends = events.filter((event) => event.type === "tool-call-end");
    expect(ends.map((event) => event.type === "tool-call-end" && event.toolCall)).toEqual([
      { id: "call_a", name: "get_weather", arguments: JSON.stringify(args) },
      { id: "call_b", name: "get_weather", arguments: '{"city":"Oslo"}' },
    ]);
    const finish = events.at(-1);
    expect(finish?.type === "finish" && finish.response.toolCalls.map((call) => call.id)).toEqual([
      "call_a",
      "call_b",
    ]);
    expect(finish?.type === "finish" && finish.response.finishReason).toBe("tool-calls");
  });

  it("sends tools as JSON schemas and replays tool calls and results", async () => {
    server().script.push({ text: "Done." });
    await models.generate(
      request({
        toolChoice: { name: "get_weather" },
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Checking." },
              { type: "tool-call", id: "call_9", name: "get_weather", arguments: '{"city":"Paris"}' },
            ],
          },
          { role: "tool", results: [{ toolCallId: "call_9", name: "get_weather", content: "21 C" }] },
          { role: "system", content: "Memory updated." },
        ],
      }),
    );
    const body = server().requests.at(-1)?.body as Record<string, unknown>;
    const text = JSON.stringify(body);
    expect(text).toContain('"city":{"type":"string"}');
    expect(text).toContain("call_9");
    expect(text).toContain("21 C");
    expect(text).toContain("You are a test.");
    expect(text).toContain("get_weather");
    expect(JSON.stringify(body.tool_choice)).toContain("get_weather");
    // Anthropic takes a system prompt only up front: a later system message goes as user text.
    const messages = body.messages as { role: string; content: unknown }[];
    expect(messages.at(-1)?.role).toBe(isOpenAI ? "system" : "user");
    expect(JSON.stringify(messages.at(-1)?.content)).toContain("Memory updated.");
  });
});

describe("provider selection", () => {
  it("speaks Chat Completions to OpenAI with the configured key", async () => {
    openai.script.push({ text: "hi" });
    await models.generate({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hello" }] });
    const recorded = openai.requests.at(-1);
    expect(recorded?.path).toBe("/v1/chat/completions");
    expect(recorded?.headers.authorization).toBe("Bearer sk-openai");
  });

  it("reaches an OpenAI-compatible endpoint by its name", async () => {
    openai.script.push({ text: "from vllm", usage: { inputTokens: 5, outputTokens: 2 } });
    const events = await collect(
      models.stream({ model: "vllm/gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }),
    );
    const finish = events.at(-1);
    expect(finish?.type === "finish" && finish.response).toMatchObject({
      text: "from vllm",
      usage: { promptTokens: 5, completionTokens: 2 },
      model: "vllm/gpt-4o-mini",
    });
    expect(openai.requests.at(-1)?.path).toBe("/v1/chat/completions");
  });

  it("takes model and settings from an LlmConfig", async () => {
    openai.script.push({ text: "ok" });
    await models.generate({
      model: {
        model: "gpt-4o-mini",
        model_endpoint_type: "openai",
        context_window: 128_000,
        handle: "openai/gpt-4o-mini",
        temperature: 0.2,
        max_tokens: 77,
      },
      messages: [{ role: "user", content: "hello" }],
    });
    const body = openai.requests.at(-1)?.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: "gpt-4o-mini", temperature: 0.2, max_tokens: 77 });
  });

  it("rejects an unconfigured provider with a configuration error", async () => {
    const error = await models
      .generate({ model: "google_ai/gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: "configuration", retryable: false });
    expect((error as Error).message).toContain("GOOGLE_GENERATIVE_AI_API_KEY");
  });
});
