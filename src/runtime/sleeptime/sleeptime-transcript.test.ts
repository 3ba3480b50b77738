import { describe, expect, it } from "vitest";
import { type Message, newMessageRecord } from "../../domain/index.js";
import { buildTranscript } from "./sleeptime-transcript.js";

let counter = 0;
const message = (fields: Partial<Message> & Pick<Message, "role">): Message => ({
  ...newMessageRecord({
    id: `message-${++counter}`,
    agent_id: "agent-1",
    conversation_id: null,
    created_at: "2026-01-01T00:00:00.000Z",
    ...fields,
  }),
  sequence_id: counter,
});

describe("the sleep-time transcript", () => {
  it("renders user and primary-agent messages in Letta's format and leaves tool results out", () => {
    const transcript = buildTranscript([
      message({ role: "system", content: [{ type: "text", text: "system prompt" }] }),
      message({ role: "user", content: [{ type: "text", text: "I am Ada" }] }),
      message({
        role: "assistant",
        content: [{ type: "reasoning", reasoning: "The user said their name." }],
        tool_calls: [
          { id: "c1", type: "function", function: { name: "memory_replace", arguments: "{}" } },
          {
            id: "c2",
            type: "function",
            function: { name: "send_message", arguments: '{"message":"Hi Ada"}' },
          },
        ],
      }),
      message({
        role: "tool",
        tool_returns: [{ tool_call_id: "c1", status: "success", func_response: "secret result" }],
      }),
      message({
        role: "approval",
        approvals: [{ type: "approval", tool_call_id: "c3", approve: true, reason: "ok" }],
      }),
      message({ role: "assistant", content: [{ type: "text", text: "Done." }] }),
    ]);
    expect(transcript).toBe(
      [
        "user: I am Ada",
        "assistant: <thinking>The user said their name.</thinking>",
        "assistant: Calling tool memory_replace",
        "assistant: Hi Ada",
        "[User approved: ok]",
        "assistant: Done.",
      ].join("\n"),
    );
  });
});
