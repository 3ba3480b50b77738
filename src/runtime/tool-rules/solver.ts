import type { ToolRule } from "../../domain/index.js";

type RuleOf<T extends ToolRule["type"]> = Extract<ToolRule, { type: T }>;

/** The tool calls made so far in the current turn, oldest first, and the last tool's raw response. */
export interface ToolCallHistory {
  calls: readonly string[];
  lastResponse?: string | undefined;
}

/** What the rules allow for the next LLM step. */
export interface AllowedTools {
  /** Names the model may call now (a subset of the available ones, order kept). */
  names: string[];
  /** True when the model must call one of `names` (a `run_first` or child constraint is active). */
  forced: boolean;
  /** Prefilled arguments per tool, merged over what the model sends. */
  prefilledArgs: Map<string, Record<string, unknown>>;
}

/**
 * Applies Letta's tool rules to a turn: which tools are allowed next, which calls end or continue the
 * loop, which need approval, and which must be called before the turn may end.
 */
export class ToolRuleSolver {
  readonly #rules: readonly ToolRule[];

  constructor(rules: readonly ToolRule[]) {
    this.#rules = rules;
  }

  #of<T extends ToolRule["type"]>(type: T): RuleOf<T>[] {
    return this.#rules.filter((rule): rule is RuleOf<T> => rule.type === type);
  }

  /** Which of `available` the model may call next, given this turn's history. */
  allowedTools(available: readonly string[], history: ToolCallHistory): AllowedTools {
    const prefilledArgs = new Map<string, Record<string, unknown>>();
    const last = history.calls.at(-1);
    const initRules = this.#of("run_first").filter((rule) => available.includes(rule.tool_name));

    if (history.calls.length === 0 && initRules.length > 0) {
      for (const rule of initRules) if (rule.args) prefilledArgs.set(rule.tool_name, rule.args);
      return { names: initRules.map((rule) => rule.tool_name), forced: true, prefilledArgs };
    }

    let allowed = new Set(available);
    let forced = false;
    const restrict = (names: Iterable<string>) => {
      const keep = new Set(names);
      allowed = new Set([...allowed].filter((name) => keep.has(name)));
    };

    for (const rule of this.#of("constrain_child_tools")) {
      if (rule.tool_name !== last) continue;
      restrict(rule.children);
      forced = true;
      for (const node of rule.child_arg_nodes ?? []) if (node.args) prefilledArgs.set(node.name, node.args);
    }
    for (const rule of this.#of("conditional")) {
      if (rule.tool_name !== last) continue;
      const child = conditionalChild(rule, history.lastResponse);
      if (child !== undefined) {
        restrict([child]);
        forced = true;
      }
    }
    for (const rule of this.#of("parent_last_tool")) {
      if (rule.tool_name === last) continue;
      const children = new Set(rule.children);
      allowed = new Set([...allowed].filter((name) => !children.has(name)));
    }
    for (const rule of this.#of("max_count_per_step")) {
      const used = history.calls.filter((name) => name === rule.tool_name).length;
      if (used >= rule.max_count_limit) allowed.delete(rule.tool_name);
    }

    // As in Letta, rules that leave nothing callable fall back to every available tool.
    const names = available.filter((name) => allowed.has(name));
    if (names.length === 0) return { names: [...available], forced: false, prefilledArgs: new Map() };
    return { names, forced, prefilledArgs };
  }

  /** Calling this tool ends the turn (`exit_loop`). */
  isTerminal(toolName: string): boolean {
    return this.#of("exit_loop").some((rule) => rule.tool_name === toolName);
  }

  /** Calling this tool forces another step (`continue_loop`, or a child/conditional rule follows it). */
  forcesContinue(toolName: string): boolean {
    return (
      this.#of("continue_loop").some((rule) => rule.tool_name === toolName) ||
      this.#of("constrain_child_tools").some(
        (rule) => rule.tool_name === toolName && rule.children.length > 0,
      ) ||
      this.#of("conditional").some((rule) => rule.tool_name === toolName)
    );
  }

  /** Calling this tool needs a human's approval first. */
  requiresApproval(toolName: string): boolean {
    return this.#of("requires_approval").some((rule) => rule.tool_name === toolName);
  }

  /** `required_before_exit` tools not yet called in this turn. */
  uncalledRequiredTools(history: ToolCallHistory): string[] {
    const called = new Set(history.calls);
    return this.#of("required_before_exit")
      .map((rule) => rule.tool_name)
      .filter((name) => !called.has(name));
  }

  /** One sentence per rule, for the `<tool_usage_rules>` section of the prompt. */
  describe(): string[] {
    return this.#rules.map(describeRule).filter((sentence): sentence is string => sentence !== null);
  }
}

function describeRule(rule: ToolRule): string | null {
  switch (rule.type) {
    case "run_first":
      return `${rule.tool_name} must be called first, before any other tool`;
    case "exit_loop":
      return `${rule.tool_name} ends your response (yields control) when called`;
    case "continue_loop":
      return `${rule.tool_name} requires continuing your response when called`;
    case "constrain_child_tools":
      return `After using ${rule.tool_name}, you must use one of these tools: ${rule.children.join(", ")}`;
    case "parent_last_tool":
      return `${rule.children.join(", ")} can only be used right after ${rule.tool_name}`;
    case "conditional":
      return `${rule.tool_name} will determine which tool to use next based on its output`;
    case "required_before_exit":
      return `${rule.tool_name} must be called before ending the conversation`;
    case "max_count_per_step":
      return `${rule.tool_name}: at most ${rule.max_count_limit} use(s) per response`;
    case "requires_approval":
      return null;
  }
}

/** The child a conditional rule picks from the last tool's output, or its default. */
function conditionalChild(rule: RuleOf<"conditional">, lastResponse: string | undefined): string | undefined {
  const output = extractMessage(lastResponse);
  for (const [key, child] of Object.entries(rule.child_output_mapping)) {
    if (output !== undefined && matches(key, output)) return child;
  }
  return rule.default_child ?? undefined;
}

/** The `message` of a packaged tool response (`{"status","message","time"}`), else the raw text. */
function extractMessage(response: string | undefined): unknown {
  if (response === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(response);
    if (parsed && typeof parsed === "object" && "message" in parsed)
      return (parsed as { message: unknown }).message;
    return parsed;
  } catch {
    return response;
  }
}

function matches(key: string, output: unknown): boolean {
  if (typeof output === "boolean") return key.toLowerCase() === String(output);
  if (typeof output === "number") return Number(key) === output;
  return key === String(output);
}
