import { describe, expect, it } from "vitest";
import { ToolRuleSolver } from "../tool-rules/solver.js";
import {
  afterApprovals,
  afterReply,
  afterToolCalls,
  callOutcome,
  stopBeforeStep,
  type TurnRules,
} from "./turn-policy.js";

const native: TurnRules = { heartbeatLoop: false, maxSteps: 3 };
const heartbeat: TurnRules = { heartbeatLoop: true, maxSteps: 3 };
const nothing = { failed: false, terminal: false, heartbeat: false, forced: false };
const tools = { step: 0, awaitingApproval: false, uncalledRequired: [] as string[] };

describe("turn policy", () => {
  it("stops before a step when cancelled or over the token budget", () => {
    expect(stopBeforeStep(native, { cancelled: true, tokensUsed: 0 })).toBe("cancelled");
    const budget = { ...native, maxTokens: 100 };
    expect(stopBeforeStep(budget, { cancelled: false, tokensUsed: 100 })).toBe("max_tokens_exceeded");
    expect(stopBeforeStep(budget, { cancelled: false, tokensUsed: 99 })).toBeUndefined();
  });

  it("ends on a plain answer, unless the rules still require tools", () => {
    const reply = { step: 0, empty: false, truncated: false, uncalledRequired: [] };
    expect(afterReply(native, reply)).toEqual({ stopReason: "end_turn" });
    expect(afterReply(native, { ...reply, truncated: true })).toEqual({ stopReason: "max_tokens_exceeded" });
    expect(afterReply(native, { ...reply, empty: true })).toEqual({ stopReason: "invalid_llm_response" });
    expect(afterReply(heartbeat, reply)).toEqual({ stopReason: "no_tool_call" });
    const required = { ...reply, uncalledRequired: ["send_message"] };
    const notice = { kind: "required_tools", tools: ["send_message"] };
    expect(afterReply(native, required)).toEqual({ stopReason: undefined, notice });
    // On the last step the model is still told, and the turn stops there.
    expect(afterReply(native, { ...required, step: 2 })).toEqual({ stopReason: "max_steps", notice });
  });

  it("after tool calls: approvals first, then terminal tools, then the loop's own rule", () => {
    expect(afterToolCalls(native, { ...nothing, ...tools, awaitingApproval: true, terminal: true })).toEqual({
      stopReason: "requires_approval",
    });
    expect(afterToolCalls(native, { ...nothing, ...tools, terminal: true })).toEqual({
      stopReason: "tool_rule",
    });
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, terminal: true })).toEqual({
      stopReason: "end_turn",
    });
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, terminal: true, heartbeat: true })).toEqual({
      stopReason: "tool_rule",
    });
    expect(afterToolCalls(native, { ...nothing, ...tools })).toEqual({ stopReason: undefined });
    expect(afterToolCalls(native, { ...nothing, ...tools, step: 2 })).toEqual({ stopReason: "max_steps" });
  });

  it("in the heartbeat loop, goes on only when told why, and says so unless it is the last step", () => {
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools })).toEqual({ stopReason: "end_turn" });
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, failed: true })).toEqual({
      notice: { kind: "heartbeat", reason: "Function call failed, returning control" },
    });
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, heartbeat: true, failed: true }).notice).toEqual(
      {
        kind: "heartbeat",
        reason: "Function called using request_heartbeat=true, returning control",
      },
    );
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, forced: true }).notice).toEqual({
      kind: "heartbeat",
      reason: "Continuing: child tool rule.",
    });
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, uncalledRequired: ["x"] })).toEqual({
      notice: undefined,
    });
    expect(afterToolCalls(heartbeat, { ...nothing, ...tools, heartbeat: true, step: 2 })).toEqual({
      stopReason: "max_steps",
    });
  });

  it("sums a step's calls under the tool rules, and ends a turn after an approved terminal call", () => {
    const solver = new ToolRuleSolver([
      { type: "exit_loop", tool_name: "finish" },
      { type: "constrain_child_tools", tool_name: "plan", children: ["finish"] },
    ]);
    expect(
      callOutcome(
        [
          { name: "plan", ok: true, requestHeartbeat: false },
          { name: "search", ok: false, requestHeartbeat: true },
        ],
        solver,
      ),
    ).toEqual({ failed: true, terminal: false, heartbeat: true, forced: true });
    expect(callOutcome([{ name: "finish", ok: true, requestHeartbeat: false }], solver).terminal).toBe(true);
    expect(afterApprovals(native, { terminal: true, heartbeat: false })).toBe("tool_rule");
    expect(afterApprovals(heartbeat, { terminal: true, heartbeat: false })).toBe("end_turn");
    expect(afterApprovals(native, { terminal: false, heartbeat: false })).toBeUndefined();
  });
});
