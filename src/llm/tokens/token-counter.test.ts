import { describe, expect, it } from "vitest";
import { encodingForModel } from "./encodings.js";
import { createTokenCounter, estimateTokens } from "./token-counter.js";

describe("encodingForModel", () => {
  it.each([
    ["gpt-4o-mini", "o200k_base"],
    ["gpt-4.1", "o200k_base"],
    ["gpt-5-mini", "o200k_base"],
    ["o3", "o200k_base"],
    ["o4-mini", "o200k_base"],
    ["ft:gpt-4o-mini:acme::abc123", "o200k_base"],
    ["gpt-4", "cl100k_base"],
    ["gpt-4-turbo", "cl100k_base"],
    ["gpt-3.5-turbo", "cl100k_base"],
    ["text-embedding-3-small", "cl100k_base"],
    ["claude-sonnet-4-5", undefined],
    ["llama3.1:8b", undefined],
  ])("%s -> %s", (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe("createTokenCounter", () => {
  // Token ids from OpenAI's tiktoken for "tiktoken is great!": 6 tokens in both encodings.
  it("counts OpenAI text exactly", () => {
    const gpt4o = createTokenCounter("openai/gpt-4o-mini");
    const gpt4 = createTokenCounter("openai/gpt-4");
    expect(gpt4o.encoding).toBe("o200k_base");
    expect(gpt4o.countText("tiktoken is great!")).toBe(6);
    expect(gpt4.countText("tiktoken is great!")).toBe(6);
    expect(gpt4o.countText("")).toBe(0);
  });

  it("uses the newer encoding for newer models", () => {
    const chinese = "你好，世界！今天天气很好。";
    expect(createTokenCounter("openai/gpt-4o").countText(chinese)).toBe(9);
    expect(createTokenCounter("openai/gpt-4").countText(chinese)).toBe(16);
  });

  it("treats special-token text as plain text", () => {
    expect(createTokenCounter("openai/gpt-4o").countText("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("counts an OpenAI model id served by another provider exactly", () => {
    expect(createTokenCounter("vllm/gpt-4o").encoding).toBe("o200k_base");
  });

  it("estimates other models", () => {
    const claude = createTokenCounter({
      model: "claude-sonnet-4-5",
      model_endpoint_type: "anthropic",
      context_window: 200_000,
    });
    expect(claude.encoding).toBeUndefined();
    expect(claude.countText("a".repeat(35))).toBe(10);
    expect(estimateTokens("abcdefg")).toBe(2);
    expect(estimateTokens("你好世界")).toBe(4);
    // A surrogate pair (an emoji) is one character; a lone surrogate counts as one too.
    expect(estimateTokens("😀🎉")).toBe(2);
    expect(estimateTokens("ab\uD800")).toBe(2);
    expect(estimateTokens(`${"x".repeat(7)}😀`)).toBe(3);
  });

  it("adds message framing and counts tool calls and results", () => {
    const counter = createTokenCounter("openai/gpt-4o-mini");
    const hello = counter.countText("hello");
    expect(counter.countMessages([])).toBe(0);
    expect(counter.countMessages([{ role: "user", content: "hello" }])).toBe(3 + hello + 3);
    const withTools = counter.countMessages([
      { role: "user", content: "hello" },
      {
        role: "assistant",
        content: [{ type: "tool-call", id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
      },
      { role: "tool", results: [{ toolCallId: "call_1", name: "get_weather", content: "21 C and sunny" }] },
    ]);
    const expected =
      3 +
      3 +
      hello +
      3 +
      3 +
      counter.countText("get_weather") +
      counter.countText('{"city":"Paris"}') +
      3 +
      counter.countText("call_1") +
      counter.countText("21 C and sunny");
    expect(withTools).toBe(expected);
  });

  it("counts tool definitions", () => {
    const counter = createTokenCounter("openai/gpt-4o-mini");
    const tool = {
      name: "get_weather",
      description: "Current weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    };
    expect(counter.countTools([])).toBe(0);
    const one = counter.countTools([tool]);
    expect(one).toBeGreaterThan(counter.countText(JSON.stringify(tool.parameters)));
    expect(counter.countTools([tool, { ...tool, name: "get_time" }])).toBeGreaterThan(one);
  });
});
