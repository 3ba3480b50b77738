import { describe, expect, it } from "vitest";
import type { Message } from "./message.js";
import { toLettaMessages } from "./message-views.js";

function message(fields: Partial<Message>): Message {
  return {
    id: "message-1",
    agent_id: "agent-1",
    conversation_id: null,
    role: "user",
    content: [],
    name: null,
    tool_calls: null,
    tool_call_id: null,
    tool_returns: null,
    approvals: null,
    otid: null,
    sender_id: null,
    group_id: null,
    run_id: "run-1",
    step_id: "step-1",
    model: null,
    is_err: null,
    created_at: "2026-01-01T00:00:00.000Z",
    sequence_id: 1,
    ...fields,
  };
}

const call = (name: string, args: object, id = "call_1") => ({
  id,
  type: "function" as const,
  function: { name, arguments: JSON.stringify(args) },
});

describe("toLettaMessages", () => {
  it("shows a user text as a plain string and keeps multi-part content as an array", () => {
    expect(toLettaMessages(message({ content: [{ type: "text", text: "hi" }] }))).toMatchObject([
      { message_type: "user_message", content: "hi", id: "message-1", run_id: "run-1" },
    ]);
    const parts = [
      { type: "text" as const, text: "look" },
      { type: "image" as const, source: { type: "url" as const, url: "http://x/y.png" } },
    ];
    expect(toLettaMessages(message({ content: parts }))[0]).toMatchObject({ content: parts });
  });

  it("fans an assistant message out into reasoning, text and tool calls sharing one id", () => {
    const views = toLettaMessages(
      message({
        role: "assistant",
        content: [
          { type: "reasoning", reasoning: "thinking", is_native: true },
          { type: "text", text: "Let me note that." },
        ],
        tool_calls: [
          call("memory_insert", { label: "human", new_string: "x" }),
          call("conversation_search", {}, "call_2"),
        ],
      }),
    );
    expect(views.map((view) => view.message_type)).toEqual([
      "reasoning_message",
      "assistant_message",
      "tool_call_message",
      "tool_call_message",
    ]);
    expect(new Set(views.map((view) => view.id))).toEqual(new Set(["message-1"]));
    expect(new Set(views.map((view) => view.otid)).size).toBe(4);
    expect(views[2]).toMatchObject({
      tool_call: { name: "memory_insert", tool_call_id: "call_1" },
      tool_calls: [{ tool_call_id: "call_1" }, { tool_call_id: "call_2" }],
    });
  });

  it("shows a legacy send_message call as assistant words and hides its return", () => {
    const assistant = message({
      role: "assistant",
      tool_calls: [call("send_message", { message: "Hello!" })],
    });
    expect(toLettaMessages(assistant)).toMatchObject([
      { message_type: "assistant_message", content: "Hello!" },
    ]);
    const ret = message({
      role: "tool",
      name: "send_message",
      tool_returns: [
        { tool_call_id: "call_1", status: "success", func_response: "Sent message successfully." },
      ],
    });
    expect(toLettaMessages(ret)).toEqual([]);
    expect(toLettaMessages(assistant, { useAssistantMessage: false })[0]?.message_type).toBe(
      "tool_call_message",
    );
  });

  it("carries both the legacy and the list form of tool returns", () => {
    const views = toLettaMessages(
      message({
        role: "tool",
        name: "memory_insert",
        tool_returns: [
          { tool_call_id: "call_1", status: "success", func_response: "ok" },
          { tool_call_id: "call_2", status: "error", func_response: "bad" },
        ],
      }),
    );
    expect(views).toMatchObject([
      {
        message_type: "tool_return_message",
        tool_call_id: "call_1",
        status: "success",
        tool_return: "ok",
        tool_returns: [{ tool_call_id: "call_1" }, { tool_call_id: "call_2", status: "error" }],
      },
    ]);
  });

  it("derives approval requests and responses", () => {
    expect(
      toLettaMessages(message({ role: "approval", tool_calls: [call("exec", { cmd: "ls" })] })),
    ).toMatchObject([{ message_type: "approval_request_message", tool_call: { name: "exec" } }]);
    expect(
      toLettaMessages(
        message({
          role: "approval",
          approvals: [{ type: "approval", tool_call_id: "call_1", approve: false, reason: "no" }],
        }),
      ),
    ).toMatchObject([{ message_type: "approval_response_message", approve: false, reason: "no" }]);
  });
});
