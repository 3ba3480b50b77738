import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic } from "./anthropic-server.js";
import { cosineSimilarity } from "./embedder.js";
import type { FakeLlmServer } from "./fake-http-server.js";
import { startFakeOpenAI } from "./openai-server.js";
import { type FakeReply, lastUserText } from "./script.js";

interface SseEvent {
  event?: string;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim().length > 0)
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length);
      const data = lines.find((line) => line.startsWith("data: "))?.slice("data: ".length) ?? "";
      return event === undefined ? { data } : { event, data };
    });
}

/** Wire payloads are asserted structurally, so the parsed body is untyped on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: see above
async function readJson(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}

function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
    ...init,
  });
}

const chatBody = (extra: object = {}) => ({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
  ...extra,
});

const toolReply: FakeReply = {
  text: "Let me check.",
  toolCalls: [
    { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
    { name: "send_message", arguments: '{"message":"hi"}', id: "call_custom" },
  ],
};

describe("fake OpenAI server", () => {
  let server: FakeLlmServer;
  beforeEach(async () => {
    server = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
  });
  afterEach(() => server.close());

  const chat = (body: unknown, init?: RequestInit) => post(`${server.url}/chat/completions`, body, init);

  it("answers a non-streaming chat with text and usage", async () => {
    server.script.push({ text: "Sunny and 21 degrees." });
    const completion = await readJson(chat(chatBody()));
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0].message).toMatchObject({
      role: "assistant",
      content: "Sunny and 21 degrees.",
    });
    expect(completion.choices[0].finish_reason).toBe("stop");
    const { prompt_tokens, completion_tokens, total_tokens } = completion.usage;
    expect(prompt_tokens).toBeGreaterThan(0);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);
  });

  it("answers a non-streaming chat with tool calls", async () => {
    server.script.push({ toolCalls: [{ name: "get_weather", arguments: { city: "Paris" } }] });
    const completion = await readJson(chat(chatBody()));
    const message = completion.choices[0].message;
    expect(completion.choices[0].finish_reason).toBe("tool_calls");
    expect(message.content).toBeNull();
    expect(message.tool_calls[0]).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(JSON.parse(message.tool_calls[0].function.arguments)).toEqual({ city: "Paris" });
  });

  it("streams text and tool-call deltas that reassemble, then usage and [DONE]", async () => {
    server.script.push(toolReply);
    const response = await chat(chatBody({ stream: true, stream_options: { include_usage: true } }));
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(await response.text());
    expect(events.at(-1)?.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);

    let content = "";
    const calls: { id?: string; name?: string; arguments: string }[] = [];
    for (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta ?? {};
      content += delta.content ?? "";
      for (const part of delta.tool_calls ?? []) {
        calls[part.index] ??= { arguments: "" };
        const call = calls[part.index]!;
        call.id ??= part.id;
        call.name ??= part.function?.name;
        call.arguments += part.function?.arguments ?? "";
      }
    }
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(content).toBe("Let me check.");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.name).toBe("get_weather");
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: "Paris", unit: "celsius" });
    expect(calls[1]).toEqual({ id: "call_custom", name: "send_message", arguments: '{"message":"hi"}' });
    expect(chunks.at(-2).choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it("omits the usage chunk unless asked, and reports finish_reason length", async () => {
    server.script.push({ text: "Trunc", finishReason: "length" });
    const events = parseSse(await (await chat(chatBody({ stream: true }))).text());
    const last = JSON.parse(events.at(-2)!.data);
    expect(last.choices[0].finish_reason).toBe("length");
    expect(last.usage).toBeUndefined();
  });

  it("uses the queue first, then the handler, then the default reply", async () => {
    server.script.push({ text: "queued" });
    const replyText = async () => (await readJson(chat(chatBody()))).choices[0].message.content;
    expect(await replyText()).toBe("queued");
    expect(await replyText()).toBe("ok");
    server.script.respondWith((request) => ({ text: `echo: ${lastUserText(request)}` }));
    expect(await replyText()).toBe("echo: What is the weather in Paris?");
  });

  it("embeds with the configured or requested dimension, in float or base64", async () => {
    const embed = async (body: object) => readJson(post(`${server.url}/embeddings`, body));
    const single = await embed({ model: "text-embedding-3-small", input: "hello" });
    expect(single).toMatchObject({ object: "list", model: "text-embedding-3-small" });
    expect(single.data[0]).toMatchObject({ object: "embedding", index: 0 });
    expect(single.data[0].embedding).toHaveLength(384);
    expect(single.usage.prompt_tokens).toBeGreaterThan(0);

    const batch = await embed({ input: ["a", "b", "c"], dimensions: 64 });
    expect(batch.data.map((item: { index: number }) => item.index)).toEqual([0, 1, 2]);
    expect(batch.data[2].embedding).toHaveLength(64);

    const encoded = await embed({ input: "hello", encoding_format: "base64" });
    const bytes = Buffer.from(encoded.data[0].embedding, "base64");
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toHaveLength(384);
    decoded.forEach((value, i) => {
      expect(value).toBeCloseTo(single.data[0].embedding[i], 6);
    });
  });

  it("embeds similar sentences closer than unrelated ones", async () => {
    const input = [
      "My cat loves chasing mice in the garden.",
      "Cats chase mice and sleep in the sun.",
      "The tax return is due before the filing deadline.",
    ];
    const response = await readJson(post(`${server.url}/embeddings`, { input }));
    const [cat, otherCat, taxes] = response.data.map((item: { embedding: number[] }) => item.embedding);
    expect(cosineSimilarity(cat, otherCat)).toBeGreaterThan(cosineSimilarity(cat, taxes));
  });

  it("lists the configured models", async () => {
    const models = await readJson(fetch(`${server.url}/models`));
    expect(models.data.map((model: { id: string }) => model.id)).toEqual([
      "gpt-4o-mini",
      "text-embedding-3-small",
    ]);
  });

  it("fails with 429 and retry-after, then recovers", async () => {
    server.script.failNext({ fault: "rate-limit", retryAfterSeconds: 7 });
    const limited = await chat(chatBody());
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await readJson(limited)).error).toMatchObject({ code: "rate_limit_exceeded", type: "requests" });
    expect((await chat(chatBody())).status).toBe(200);
  });

  it("fails with 500 as part of the queue, and can fail embeddings", async () => {
    server.script.push({ fault: "server-error" }, { text: "after" });
    const failed = await chat(chatBody());
    expect(failed.status).toBe(500);
    expect((await readJson(failed)).error).toMatchObject({
      type: "server_error",
      message: expect.any(String),
    });
    expect((await readJson(chat(chatBody()))).choices[0].message.content).toBe("after");

    server.script.failNext({ fault: "server-error", status: 503 }, "embedding");
    expect((await post(`${server.url}/embeddings`, { input: "x" })).status).toBe(503);
  });

  it("returns 200 with malformed JSON", async () => {
    server.script.push({ fault: "malformed-json" });
    const response = await chat(chatBody());
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow();
  });

  it("cuts a stream mid-way without [DONE]", async () => {
    server.script.push({ fault: "stream-cut", afterEvents: 2, reply: { text: "one two three four five" } });
    const response = await chat(chatBody({ stream: true }));
    expect(response.status).toBe(200);
    const text = await response.text().catch((error: unknown) => error);
    if (typeof text === "string") expect(text).not.toContain("[DONE]");
    else expect(text).toBeInstanceOf(Error);
  });

  it("hangs until the client gives up, and close() ends hanging sockets", async () => {
    server.script.push({ fault: "hang" }, { fault: "hang" });
    await expect(chat(chatBody(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    const pending = chat(chatBody());
    await expect.poll(() => server.requests.length).toBe(2);
    await server.close();
    await expect(pending).rejects.toThrow();
  });

  it("records requests and resets", async () => {
    await chat(chatBody({ temperature: 0 }));
    await fetch(`${server.url}/models`);
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first).toMatchObject({ method: "POST", path: "/v1/chat/completions", endpoint: "completion" });
    expect(first?.headers.authorization).toBe("Bearer sk-test");
    expect(first?.body).toMatchObject({ model: "gpt-4o-mini", temperature: 0 });
    expect(second).toMatchObject({ method: "GET", path: "/v1/models", body: undefined });
    server.script.push({ text: "never used" });
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(server.script.pending).toBe(0);
  });
});

describe("fake Anthropic server", () => {
  let server: FakeLlmServer;
  beforeEach(async () => {
    server = await startFakeAnthropic({ apiKey: "sk-ant-test" });
  });
  afterEach(() => server.close());

  const messages = (body: object, apiKey = "sk-ant-test") =>
    post(`${server.url}/messages`, body, {
      headers: { "content-type": "application/json", "x-api-key": apiKey, "anthropic-version": "2023-06-01" },
    });
  const messageBody = (extra: object = {}) => ({
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    system: "You are helpful.",
    messages: [{ role: "user", content: [{ type: "text", text: "Weather in Paris?" }] }],
    ...extra,
  });

  it("answers a non-streaming message with text and tool_use", async () => {
    server.script.push(toolReply);
    const message = await readJson(messages(messageBody()));
    expect(message).toMatchObject({ type: "message", role: "assistant", stop_reason: "tool_use" });
    expect(message.content).toEqual([
      { type: "text", text: "Let me check." },
      {
        type: "tool_use",
        id: expect.any(String),
        name: "get_weather",
        input: { city: "Paris", unit: "celsius" },
      },
      { type: "tool_use", id: "call_custom", name: "send_message", input: { message: "hi" } },
    ]);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("streams the Anthropic event sequence with text and input_json deltas", async () => {
    server.script.push({
      text: "Checking now.",
      toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }],
    });
    const events = parseSse(await (await messages(messageBody({ stream: true }))).text());
    const payloads = events.map((event) => JSON.parse(event.data));
    events.forEach((event, i) => {
      expect(payloads[i].type).toBe(event.event);
    });
    const names = events
      .map((event) => event.event)
      .filter((name) => name !== "ping" && name !== "content_block_delta");
    expect(names).toEqual([
      "message_start",
      "content_block_start",
      "content_block_stop",
      "content_block_start",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const deltas = payloads.filter((payload) => payload.type === "content_block_delta");
    const text = deltas.filter((d) => d.delta.type === "text_delta").map((d) => d.delta.text);
    const json = deltas.filter((d) => d.delta.type === "input_json_delta").map((d) => d.delta.partial_json);
    expect(text.join("")).toBe("Checking now.");
    expect(deltas.filter((d) => d.delta.type === "input_json_delta").every((d) => d.index === 1)).toBe(true);
    expect(JSON.parse(json.join(""))).toEqual({ city: "Oslo" });
    const toolStart = payloads.find((payload) => payload.content_block?.type === "tool_use");
    expect(toolStart.content_block).toMatchObject({ name: "get_weather", input: {} });
    const messageDelta = payloads.find((payload) => payload.type === "message_delta");
    expect(messageDelta.delta.stop_reason).toBe("tool_use");
    expect(messageDelta.usage.output_tokens).toBeGreaterThan(0);
  });

  it("renders faults as Anthropic error bodies", async () => {
    server.script.failNext({ fault: "rate-limit", retryAfterSeconds: 3 });
    server.script.push({ fault: "server-error" }, { text: "long", finishReason: "length" });
    const limited = await messages(messageBody());
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(await readJson(limited)).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    const failed = await messages(messageBody());
    expect(failed.status).toBe(500);
    expect(await readJson(failed)).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect((await readJson(messages(messageBody()))).stop_reason).toBe("max_tokens");
  });

  it("rejects a wrong API key and lists models", async () => {
    const rejected = await messages(messageBody(), "wrong");
    expect(rejected.status).toBe(401);
    expect((await readJson(rejected)).error.type).toBe("authentication_error");
    const models = await readJson(fetch(`${server.url}/models`, { headers: { "x-api-key": "sk-ant-test" } }));
    expect(models.data[0]).toMatchObject({ type: "model", id: "claude-sonnet-4-5" });
    expect(server.requests.map((request) => request.path)).toEqual(["/v1/messages", "/v1/models"]);
  });
});
