import { describe, expect, it } from "vitest";
import type { Message, MessageRole } from "../../domain/index.js";
import { cleanCutoffs, planEviction, windowLayout } from "./eviction-plan.js";
import { clipTranscript, summaryMessageText, summaryOf, transcriptLines } from "./transcript.js";

let sequence = 0;
function message(role: MessageRole, fields: Partial<Message> = {}): Message {
  sequence++;
  return {
    id: `message-${sequence}`,
    agent_id: "agent-1",
    conversation_id: null,
    role,
    content: [{ type: "text", text: `${role} ${sequence}` }],
    name: null,
    tool_calls: null,
    tool_call_id: null,
    tool_returns: null,
    approvals: null,
    otid: null,
    sender_id: null,
    group_id: null,
    run_id: "run-old",
    step_id: `step-${sequence}`,
    model: null,
    is_err: null,
    created_at: "2026-01-01T00:00:00.000Z",
    sequence_id: sequence,
    ...fields,
  };
}

const call = (id: string) => ({
  id,
  type: "function" as const,
  function: { name: "search", arguments: "{}" },
});
const toolReturn = (id: string) => ({ tool_call_id: id, status: "success" as const, func_response: "found" });

/** system, then: user, assistant+call, tool, assistant, user, assistant+call, tool, assistant. */
function conversation(): Message[] {
  return [
    message("system"),
    message("user", { step_id: null }),
    message("assistant", { tool_calls: [call("a")] }),
    message("tool", { tool_returns: [toolReturn("a")] }),
    message("assistant"),
    message("user", { step_id: null }),
    message("assistant", { tool_calls: [call("b")] }),
    message("tool", { tool_returns: [toolReturn("b")] }),
    message("assistant"),
  ];
}

describe("eviction boundaries", () => {
  it("never starts the kept part at a tool return", () => {
    const window = conversation();
    const cutoffs = cleanCutoffs(window, windowLayout(window));
    expect(cutoffs).toEqual([2, 4, 5, 6, 8, 9]);
    for (const cutoff of cutoffs) expect(window[cutoff]?.role).not.toBe("tool");
  });

  it("keeps the running turn's input and lets later steps of the turn go", () => {
    const window = conversation();
    window[5] = { ...window[5]!, run_id: "run-now", step_id: null };
    for (const index of [6, 7, 8]) window[index] = { ...window[index]!, run_id: "run-now" };
    const layout = windowLayout(window, "run-now");
    expect(layout.pinned).toEqual({ start: 5, end: 6 });
    const plan = planEviction(window, layout, { sizeOf: () => 0, goal: 0, startTenths: 3, mode: "all" });
    expect(plan?.kept.map((kept) => kept.id)).toEqual([window[5]!.id]);
    expect(plan?.evicted).toHaveLength(7);
  });

  it("keeps a trailing pending approval with the rest of its step", () => {
    const window = conversation();
    window.push(
      message("assistant", { step_id: "step-last", tool_calls: [call("c")] }),
      message("tool", { step_id: "step-last", tool_returns: [toolReturn("c")] }),
      message("approval", { step_id: "step-last", tool_calls: [call("d")] }),
    );
    const layout = windowLayout(window);
    expect(layout.tailStart).toBe(9);
    const plan = planEviction(window, layout, { sizeOf: () => 0, goal: 0, startTenths: 3, mode: "all" });
    expect(plan?.kept.map((kept) => kept.role)).toEqual(["assistant", "tool", "approval"]);
  });

  it("slides: evicts 30%, then more, until the window is under the goal", () => {
    const window = conversation();
    const layout = windowLayout(window);
    const sizes: number[] = [];
    const plan = planEviction(window, layout, {
      sizeOf: (kept) => {
        sizes.push(kept.length);
        return kept.length * 10;
      },
      goal: 40,
      startTenths: 3,
      mode: "sliding_window",
    });
    // 8 evictable: 30% -> 3 (cut at 4), 40% -> 4 (cut at 5), 50% -> cut at 5 again... until <= 4 kept.
    expect(plan?.kept.length).toBeLessThanOrEqual(4);
    expect(sizes[0]).toBe(5);
    expect(plan?.kept[0]?.role).not.toBe("tool");
  });

  it("has nothing to evict in a window of a system message and the input", () => {
    const window = [message("system"), message("user", { run_id: "run-now", step_id: null })];
    const layout = windowLayout(window, "run-now");
    expect(planEviction(window, layout, { sizeOf: () => 0, goal: 0, startTenths: 3, mode: "all" })).toBe(
      undefined,
    );
  });
});

describe("transcripts", () => {
  it("renders messages as lines and folds in an earlier summary", () => {
    const summary = message("summary", {
      content: [{ type: "text", text: summaryMessageText(3, "Ada likes tomatoes.", "now") }],
    });
    expect(summaryOf(summary)).toBe("Ada likes tomatoes.");
    const lines = transcriptLines([summary, ...conversation().slice(1, 5)]);
    expect(lines).toEqual([
      "[summary of earlier messages] Ada likes tomatoes.",
      expect.stringMatching(/^\[user\] user \d+$/),
      expect.stringMatching(/^\[assistant\] assistant \d+ -> search\(\{\}\)$/),
      "[tool] search: found",
      expect.stringMatching(/^\[assistant\] assistant \d+$/),
    ]);
  });

  it("drops the middle when the transcript is over budget", () => {
    const lines = Array.from({ length: 100 }, (_, index) => `line ${index}`);
    const clipped = clipTranscript(lines, 60, (text) => text.split(" ").length);
    expect(clipped.startsWith("line 0\n")).toBe(true);
    expect(clipped.endsWith("line 99")).toBe(true);
    expect(clipped).toMatch(/\[\.\.\. \d+ transcript lines omitted to fit \.\.\.\]/);
    expect(clipped.split("\n").length).toBeLessThan(30);
  });
});
