import { describe, expect, it } from "vitest";
import type { Message } from "../../src/domain/index.js";
import { newMessageRecord } from "../../src/domain/index.js";
import { buildCallSettings, wireToolCallId } from "../../src/llm/providers/call-settings.js";
import { toChatMessages } from "../../src/runtime/agent-loop/chat-messages.js";

function message(fields: Partial<Message> & Pick<Message, "id" | "role">): Message {
  return {
    ...newMessageRecord({ agent_id: "agent-1", created_at: "2026-01-01T00:00:00.000Z", ...fields }),
    sequence_id: 0,
  };
}

/** A turn made on Anthropic with signed thinking, then a tool call and its result. */
const history: Message[] = [
  message({ id: "m1", role: "user", content: [{ type: "text", text: "Hi" }] }),
  message({
    id: "m2",
    role: "assistant",
    model: "anthropic/claude-sonnet-4-5",
    content: [
      { type: "reasoning", reasoning: "The user greets me.", is_native: true, signature: "sig-anthropic" },
      { type: "text", text: "" },
    ],
    tool_calls: [
      {
        id: "toolu_01",
        type: "function",
        function: { name: "send_message", arguments: '{"message":"Hello"}' },
      },
    ],
  }),
  message({
    id: "m3",
    role: "tool",
    tool_returns: [{ tool_call_id: "toolu_01", status: "success", func_response: "sent" }],
  }),
];

const target = (family: "anthropic" | "google" | "openai", handle: string) => ({
  family,
  optionsKey: family,
  handle,
});

function assistantParts(settings: ReturnType<typeof buildCallSettings>) {
  const assistant = settings.messages.find((entry) => entry.role === "assistant");
  return Array.isArray(assistant?.content) ? assistant.content : [];
}

describe("history conversion when the provider changes", () => {
  it("replays signed reasoning to the provider that signed it", () => {
    const settings = buildCallSettings(
      { model: "anthropic/claude-sonnet-4-5", messages: toChatMessages(history) },
      target("anthropic", "anthropic/claude-sonnet-4-5"),
    );
    const reasoning = assistantParts(settings).find((part) => part.type === "reasoning");
    expect(reasoning).toMatchObject({
      text: "The user greets me.",
      providerOptions: { anthropic: { signature: "sig-anthropic" } },
    });
  });

  it("drops another provider's signed reasoning, keeping the call and its result paired", () => {
    const settings = buildCallSettings(
      { model: "google/gemini-2.5-flash", messages: toChatMessages(history) },
      target("google", "google/gemini-2.5-flash"),
    );
    const parts = assistantParts(settings);
    expect(parts.map((part) => part.type)).toEqual(["tool-call"]);
    const tool = settings.messages.find((entry) => entry.role === "tool");
    expect(Array.isArray(tool?.content) && tool.content[0]).toMatchObject({
      type: "tool-result",
      toolCallId: "toolu_01",
    });
  });

  it("never sends an empty text part", () => {
    const settings = buildCallSettings(
      { model: "openai/gpt-4o-mini", messages: toChatMessages(history) },
      target("openai", "openai/gpt-4o-mini"),
    );
    expect(assistantParts(settings).filter((part) => part.type === "text")).toEqual([]);
  });

  it("rewrites only the tool call ids a provider would refuse, the same way every time", () => {
    expect(wireToolCallId("toolu_01", "anthropic")).toBe("toolu_01");
    expect(wireToolCallId("call_abc", "openai")).toBe("call_abc");
    const foreign = wireToolCallId("functions.search:0", "anthropic");
    expect(foreign).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(wireToolCallId("functions.search:0", "anthropic")).toBe(foreign);
    expect(wireToolCallId("functions.search:1", "anthropic")).not.toBe(foreign);
    const long = `call_${"x".repeat(60)}`;
    expect(wireToolCallId(long, "openai").length).toBeLessThanOrEqual(40);
    expect(wireToolCallId(long, "openai-compatible")).toBe(long);
  });

  it("turns Anthropic thinking off only for a tool turn another provider started", () => {
    const openaiTurn = history.map((entry) =>
      entry.role === "assistant" ? { ...entry, model: "openai/gpt-4o-mini" } : entry,
    );
    const thinking = { enable_reasoner: true, max_reasoning_tokens: 2048 } as const;
    const llm = {
      model: "claude-sonnet-4-5",
      model_endpoint_type: "anthropic",
      context_window: 200_000,
      ...thinking,
    };
    const resumed = buildCallSettings(
      { model: llm, messages: toChatMessages(openaiTurn) },
      target("anthropic", "anthropic/claude-sonnet-4-5"),
    );
    expect(resumed.providerOptions.anthropic?.thinking).toBeUndefined();
    // Its own signed turn keeps thinking on, and so does a new user turn after a finished answer.
    const own = buildCallSettings(
      { model: llm, messages: toChatMessages(history) },
      target("anthropic", "anthropic/claude-sonnet-4-5"),
    );
    expect(own.providerOptions.anthropic?.thinking).toEqual({ type: "enabled", budgetTokens: 2048 });
    const answered = [
      ...toChatMessages(openaiTurn),
      { role: "assistant" as const, content: "Sent." },
      { role: "user" as const, content: "And now?" },
    ];
    const next = buildCallSettings(
      { model: llm, messages: answered },
      target("anthropic", "anthropic/claude-sonnet-4-5"),
    );
    expect(next.providerOptions.anthropic?.thinking).toEqual({ type: "enabled", budgetTokens: 2048 });
  });
});
