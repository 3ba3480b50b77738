import type { StopReason } from "../../domain/index.js";
import type { ToolRuleSolver } from "../tool-rules/solver.js";

/**
 * The turn policy: after each step, whether the turn goes on or stops and why, with every rule in this
 * one file. Pure: the loop gathers the facts (what the model answered, what the tools returned) and
 * does what the decision says.
 */

/** What holds for a whole turn. */
export interface TurnRules {
  /** MemGPT's heartbeat loop (`memgpt_agent`, `memgpt_v2_agent`) rather than the native tool loop. */
  heartbeatLoop: boolean;
  maxSteps: number;
  /** Token budget: once the turn's steps used this many, it stops with `max_tokens_exceeded`. */
  maxTokens?: number | undefined;
}

/** A message the step adds to tell the model why it runs again. */
export type StepNotice =
  /** Heartbeat loop: control returns to the model (it asked for a heartbeat, a call failed, a child rule). */
  | { kind: "heartbeat"; reason: string }
  /** Native loop: the model tried to end the turn before calling the tools the rules require. */
  | { kind: "required_tools"; tools: readonly string[] };

/** The decision after a step: `stopReason` ends the turn, its absence runs another step. */
export interface StepDecision {
  stopReason?: StopReason | undefined;
  notice?: StepNotice | undefined;
}

/** Why a turn stops before its next LLM call, if it does. */
export function stopBeforeStep(
  rules: TurnRules,
  facts: { cancelled: boolean; tokensUsed: number },
): StopReason | undefined {
  if (facts.cancelled) return "cancelled";
  if (rules.maxTokens !== undefined && facts.tokensUsed >= rules.maxTokens) return "max_tokens_exceeded";
  return undefined;
}

/** After an answer without tool calls. An empty one is not committed: it is recorded as a failed step. */
export function afterReply(
  rules: TurnRules,
  facts: { step: number; empty: boolean; truncated: boolean; uncalledRequired: readonly string[] },
): StepDecision {
  if (facts.empty) return { stopReason: "invalid_llm_response" };
  if (rules.heartbeatLoop) return { stopReason: "no_tool_call" };
  if (facts.uncalledRequired.length > 0) {
    const notice: StepNotice = { kind: "required_tools", tools: facts.uncalledRequired };
    return { stopReason: lastStep(rules, facts.step) ? "max_steps" : undefined, notice };
  }
  return { stopReason: facts.truncated ? "max_tokens_exceeded" : "end_turn" };
}

/** What the server-side calls of one step came to. */
export interface CallOutcome {
  /** A call returned an error. */
  failed: boolean;
  /** A call was to a terminal tool. */
  terminal: boolean;
  /** A call asked for a heartbeat (`request_heartbeat: true`). */
  heartbeat: boolean;
  /** A call was to a tool whose children the rules require next. */
  forced: boolean;
}

/** Sums up a step's executed calls (their names, results and heartbeat requests) under the rules. */
export function callOutcome(
  calls: ReadonlyArray<{ name: string; ok: boolean; requestHeartbeat: boolean }>,
  solver: ToolRuleSolver,
): CallOutcome {
  const outcome: CallOutcome = { failed: false, terminal: false, heartbeat: false, forced: false };
  for (const call of calls) {
    outcome.failed ||= !call.ok;
    outcome.terminal ||= solver.isTerminal(call.name);
    outcome.forced ||= solver.forcesContinue(call.name);
    outcome.heartbeat ||= call.requestHeartbeat;
  }
  return outcome;
}

/** After a step with tool calls, once their results are known (inside the step's transaction). */
export function afterToolCalls(
  rules: TurnRules,
  facts: CallOutcome & { step: number; awaitingApproval: boolean; uncalledRequired: readonly string[] },
): StepDecision {
  if (facts.awaitingApproval) return { stopReason: "requires_approval" };
  if (facts.terminal) return { stopReason: terminalStop(rules, facts.heartbeat) };
  const last = lastStep(rules, facts.step);
  if (rules.heartbeatLoop) {
    const reason = facts.heartbeat
      ? "Function called using request_heartbeat=true, returning control"
      : facts.failed
        ? "Function call failed, returning control"
        : facts.forced
          ? "Continuing: child tool rule."
          : undefined;
    if (reason === undefined && facts.uncalledRequired.length === 0) return { stopReason: "end_turn" };
    if (last) return { stopReason: "max_steps" };
    return { notice: reason === undefined ? undefined : { kind: "heartbeat", reason } };
  }
  return { stopReason: last ? "max_steps" : undefined };
}

/** After approved calls ran: a terminal tool ends the turn, as it would have without the pause. */
export function afterApprovals(
  rules: TurnRules,
  facts: Pick<CallOutcome, "terminal" | "heartbeat">,
): StopReason | undefined {
  return facts.terminal ? terminalStop(rules, facts.heartbeat) : undefined;
}

/** A terminal tool ends a heartbeat-loop turn normally unless the model still asked to go on. */
function terminalStop(rules: TurnRules, heartbeat: boolean): StopReason {
  return rules.heartbeatLoop && !heartbeat ? "end_turn" : "tool_rule";
}

function lastStep(rules: TurnRules, step: number): boolean {
  return step >= rules.maxSteps - 1;
}
