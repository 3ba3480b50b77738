import { describe, expect, it } from "vitest";
import { type LlmConfig, type Message, type MessageRole, newMessageRecord } from "../../domain/index.js";
import { createTokenCounter } from "../../llm/tokens/index.js";
import { toChatMessages } from "../agent-loop/chat-messages.js";
import { createRequestSizer } from "./request-size.js";

const model = { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 8000 } as LlmConfig;

function message(role: MessageRole, fields: Partial<Message>): Message {
  const record = newMessageRecord({
    id: `message-${role}`,
    agent_id: "agent-1",
    role,
    created_at: "2026-01-01T00:00:00.000Z",
  });
  return { ...record, sequence_id: 1, ...fields };
}

const window: Message[] = [
  message("system", { content: [{ type: "text", text: "You are a gardener. 你好，世界！" }] }),
  message("user", { content: [{ type: "text", text: "How do tomatoes grow? 🍅🍅" }] }),
  message("assistant", {
    content: [{ type: "text", text: "Let me look." }],
    tool_calls: [{ id: "call_1", type: "function", function: { name: "search", arguments: '{"q":"x"}' } }],
  }),
  message("tool", {
    tool_returns: [{ tool_call_id: "call_1", status: "success", func_response: '{"status":"OK"}' }],
  }),
];
const tools = [{ name: "search", description: "Search", parameters: { type: "object", properties: {} } }];

describe("request sizes", () => {
  it("counts a window as the whole request would be counted", () => {
    const sizer = createRequestSizer();
    const counter = createTokenCounter(model);
    const [system, ...rest] = window;
    const text = (system!.content[0] as { text: string }).text;
    const expected =
      counter.countMessages([{ role: "system", content: text }, ...toChatMessages(rest)]) +
      counter.countTools(tools);
    const size = sizer.measure(model, window, tools);
    expect(size.total).toBe(expected);
    expect(size.system + size.messages + size.tools).toBe(size.total);
    // Counted again from the caches, the same.
    expect(sizer.measure(model, window, tools)).toEqual(size);
  });

  it("bounds the count from byte sizes alone", () => {
    const sizer = createRequestSizer();
    expect(sizer.upperBound(window, tools)).toBeGreaterThanOrEqual(sizer.measure(model, window, tools).total);
    expect(sizer.upperBound([], [])).toBeGreaterThanOrEqual(0);
  });
});
