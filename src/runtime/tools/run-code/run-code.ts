import type { Result } from "../../../domain/index.js";
import type { Sandbox, SandboxLanguage } from "../sandbox/sandbox.js";
import { transpileTool } from "../sandbox/tool-program.js";

/** The languages of Letta's `run_code` schema. */
export const RUN_CODE_LANGUAGES = ["python", "js", "ts", "r", "java"] as const;

/** `run_code` as the agent loop runs it. */
export interface RunCode {
  run(
    args: Record<string, unknown>,
    caller: { agentId: string; signal?: AbortSignal | undefined },
  ): Promise<Result<string>>;
}

// The code runs inside a function the sandbox calls; like a notebook cell (E2B's, which Letta used),
// the value of a final expression is the result. The wrapper answers JSON so "no value" stays distinct.
const PYTHON_RUNNER = String.raw`
def run_code(code):
    import ast, json
    tree = ast.parse(code, "<code>", "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    scope = {"__name__": "__main__"}
    exec(compile(tree, "<code>", "exec"), scope)
    value = eval(compile(last, "<code>", "eval"), scope) if last is not None else None
    return json.dumps({"has_value": value is not None, "text": value if isinstance(value, str) else repr(value)})
`;

const JAVASCRIPT_RUNNER = String.raw`
async function run_code(code) {
  const vm = require("node:vm");
  globalThis.require = require;
  const value = await vm.runInThisContext(code, { filename: "code.js" });
  let text;
  if (typeof value === "string") text = value;
  else {
    try { text = JSON.stringify(value); } catch { text = undefined; }
    if (text === undefined) text = String(value);
  }
  return JSON.stringify({ has_value: value !== undefined && value !== null, text });
}
`;

/** Letta's `run_code` over the tool sandbox: Python, JavaScript and TypeScript; R and Java are refused. */
export function createRunCode(sandbox: Sandbox): RunCode {
  return {
    async run(args, caller) {
      const code = typeof args.code === "string" ? args.code : "";
      const language = typeof args.language === "string" ? args.language : "";
      if (!code.trim()) return { ok: false, error: "Error: code must not be empty" };
      let runnerLanguage: SandboxLanguage;
      let source = code;
      switch (language) {
        case "python":
          runnerLanguage = "python";
          break;
        case "js":
          runnerLanguage = "javascript";
          break;
        case "ts": {
          runnerLanguage = "javascript";
          const transpiled = transpileTool(code, "typescript");
          if (!transpiled.ok) return { ok: true, value: llmFriendly([], "", "", transpiled.error) };
          source = transpiled.value;
          break;
        }
        default:
          return {
            ok: false,
            error: `Error: run_code runs python, js and ts on this server, not '${language}'`,
          };
      }
      const result = await sandbox.run({
        language: runnerLanguage,
        source: runnerLanguage === "python" ? PYTHON_RUNNER : JAVASCRIPT_RUNNER,
        functionName: "run_code",
        parameterNames: ["code"],
        args: { code: source },
        env: { LETTA_AGENT_ID: caller.agentId },
        signal: caller.signal,
      });
      if (!result.ok) {
        // The sandbox itself could not run (none configured, a crash): a tool error naming why.
        if (result.error.name === "SandboxUnavailableError") {
          return { ok: false, error: `Error: ${result.error.message}` };
        }
        return { ok: true, value: llmFriendly([], result.stdout, result.stderr, result.error) };
      }
      let results: string[] = [];
      try {
        const parsed = JSON.parse(result.value) as { has_value: boolean; text: string };
        results = parsed.has_value ? [parsed.text] : [];
      } catch {
        results = [result.value];
      }
      return { ok: true, value: llmFriendly(results, result.stdout, result.stderr) };
    },
  };
}

/** Letta's result of `run_code`: `{"results": [...], "logs": {"stdout": [...], "stderr": [...]}, "error"?}`. */
function llmFriendly(
  results: string[],
  stdout: string,
  stderr: string,
  error?: { name: string; message: string; traceback?: string | undefined },
): string {
  const output: Record<string, unknown> = {
    results,
    logs: { stdout: stdout ? [stdout] : [], stderr: stderr ? [stderr] : [] },
  };
  if (error) {
    output.error = {
      name: error.name,
      value: error.message,
      traceback: error.traceback ?? `${error.name}: ${error.message}`,
    };
  }
  return JSON.stringify(output);
}
