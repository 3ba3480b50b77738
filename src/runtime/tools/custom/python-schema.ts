import type { Result } from "../../../domain/index.js";
import { runBoundedProcess } from "../sandbox/bounded-process.js";
import { findExecutable } from "../sandbox/executables.js";
import type { DerivedSignature } from "./derived-signature.js";
import { PYTHON_SCHEMA_SCRIPT } from "./python-schema-script.js";

interface ScriptAnswer {
  ok: boolean;
  error?: string;
  value?: {
    name: string;
    description: string;
    parameters: DerivedSignature["parameters"];
    param_names: string[];
    takes_agent_state: boolean;
    var_keywords: boolean;
  };
}

/**
 * Derives a Python tool's signature and JSON schema as Letta does (type hints, Google-style docstring,
 * pydantic models declared in the source). python3 runs isolated (`-I`, no environment) and only parses
 * the source with `ast`, so no tool code runs here.
 */
export async function derivePythonSignature(
  source: string,
  name?: string | null,
): Promise<Result<DerivedSignature>> {
  const python = findExecutable("python3");
  if (!python)
    return { ok: false, error: "python3 is not installed on the server, so Python tools cannot be read" };
  const result = await runBoundedProcess({
    argv: [python, "-I", "-S", "-c", PYTHON_SCHEMA_SCRIPT],
    env: {},
    stdin: JSON.stringify({ source, name: name ?? null }),
    timeoutMs: 15_000,
    outputLimitBytes: 4 * 1024 * 1024,
  });
  let answer: ScriptAnswer;
  try {
    answer = JSON.parse(result.stdout) as ScriptAnswer;
  } catch {
    const reason = result.timedOut
      ? "it took too long"
      : result.stderr.trim().split("\n").at(-1) || "no answer";
    return { ok: false, error: `The Python source could not be read (${reason})` };
  }
  if (!answer.ok || !answer.value)
    return { ok: false, error: answer.error ?? "The Python source could not be read" };
  const value = answer.value;
  return {
    ok: true,
    value: {
      name: value.name,
      description: value.description,
      parameters: value.parameters,
      paramNames: value.param_names,
      takesAgentState: value.takes_agent_state,
      varKeywords: value.var_keywords,
    },
  };
}
