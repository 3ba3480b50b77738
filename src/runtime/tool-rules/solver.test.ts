import { describe, expect, it } from "vitest";
import { ToolRuleSolver } from "./solver.js";

const tools = ["search", "summarize", "send_message", "memory_replace"];

describe("ToolRuleSolver", () => {
  it("forces run_first tools when nothing was called yet, with their prefilled args", () => {
    const solver = new ToolRuleSolver([{ type: "run_first", tool_name: "search", args: { query: "x" } }]);
    expect(solver.allowedTools(tools, { calls: [] })).toEqual({
      names: ["search"],
      forced: true,
      prefilledArgs: new Map([["search", { query: "x" }]]),
    });
    expect(solver.allowedTools(tools, { calls: ["search"] }).names).toEqual(tools);
  });

  it("constrains children after a parent and removes tools past their count", () => {
    const solver = new ToolRuleSolver([
      { type: "constrain_child_tools", tool_name: "search", children: ["summarize", "search"] },
      { type: "max_count_per_step", tool_name: "search", max_count_limit: 2 },
    ]);
    expect(solver.allowedTools(tools, { calls: ["search"] })).toMatchObject({
      names: ["search", "summarize"],
      forced: true,
    });
    expect(solver.allowedTools(tools, { calls: ["search", "search"] }).names).toEqual(["summarize"]);
    expect(solver.forcesContinue("search")).toBe(true);
  });

  it("allows parent_last_tool children only right after the parent", () => {
    const solver = new ToolRuleSolver([
      { type: "parent_last_tool", tool_name: "search", children: ["summarize"] },
    ]);
    expect(solver.allowedTools(tools, { calls: [] }).names).not.toContain("summarize");
    expect(solver.allowedTools(tools, { calls: ["search"] }).names).toContain("summarize");
  });

  it("picks the conditional child from the last tool's packaged output", () => {
    const solver = new ToolRuleSolver([
      {
        type: "conditional",
        tool_name: "search",
        child_output_mapping: { true: "summarize", false: "send_message" },
        default_child: "memory_replace",
      },
    ]);
    const packaged = (message: unknown) => JSON.stringify({ status: "OK", message, time: "now" });
    expect(solver.allowedTools(tools, { calls: ["search"], lastResponse: packaged(true) }).names).toEqual([
      "summarize",
    ]);
    expect(solver.allowedTools(tools, { calls: ["search"], lastResponse: packaged(false) }).names).toEqual([
      "send_message",
    ]);
    expect(solver.allowedTools(tools, { calls: ["search"], lastResponse: packaged("maybe") }).names).toEqual([
      "memory_replace",
    ]);
  });

  it("falls back to every tool when the rules leave none", () => {
    const solver = new ToolRuleSolver([
      { type: "constrain_child_tools", tool_name: "search", children: ["gone"] },
    ]);
    expect(solver.allowedTools(tools, { calls: ["search"] })).toMatchObject({ names: tools, forced: false });
  });

  it("answers terminal, approval and required-before-exit questions and describes the rules", () => {
    const solver = new ToolRuleSolver([
      { type: "exit_loop", tool_name: "send_message" },
      { type: "requires_approval", tool_name: "memory_replace" },
      { type: "required_before_exit", tool_name: "summarize" },
    ]);
    expect(solver.isTerminal("send_message")).toBe(true);
    expect(solver.isTerminal("search")).toBe(false);
    expect(solver.requiresApproval("memory_replace")).toBe(true);
    expect(solver.uncalledRequiredTools({ calls: ["search"] })).toEqual(["summarize"]);
    expect(solver.uncalledRequiredTools({ calls: ["summarize"] })).toEqual([]);
    expect(solver.describe()).toEqual([
      "send_message ends your response (yields control) when called",
      "summarize must be called before ending the conversation",
    ]);
  });
});
