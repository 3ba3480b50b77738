import { randomBytes } from "node:crypto";
import ts from "typescript";
import { NODE_DRIVER } from "./node-driver.js";
import { PYTHON_DRIVER } from "./python-driver.js";
import {
  type SandboxAgentStateChanges,
  type SandboxError,
  type SandboxRunRequest,
  type SandboxRunResult,
  sandboxFailure,
} from "./sandbox.js";

/** A tool run made ready for any backend: which interpreter, its arguments, and what it reads on stdin. */
export interface ToolProgram {
  runtime: "python" | "node";
  /** Arguments after the interpreter's path. */
  args: string[];
  stdin: string;
  /** Printed before the result envelope; random per run so tool output cannot be mistaken for it. */
  marker: string;
}

/** How the sandboxed process ended, whatever backend ran it. */
export interface ProgramExit {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  overflowed: boolean;
  spawnError?: string | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Builds the program for a request. `modulesDir` is where a JavaScript tool's `node_modules` sits as
 * the sandbox sees it; `nodeHeapBytes` caps V8's heap (an address-space limit alone cannot, since V8
 * reserves far more address space than it uses).
 */
export function buildToolProgram(
  request: SandboxRunRequest,
  options: { modulesDir?: string | undefined; nodeHeapBytes?: number | undefined } = {},
): { ok: true; value: ToolProgram } | { ok: false; error: SandboxError } {
  const marker = `<<reverie-tool-result:${randomBytes(12).toString("hex")}>>`;
  if (!IDENTIFIER.test(request.functionName))
    return {
      ok: false,
      error: { name: "ValueError", message: `'${request.functionName}' is not a function name` },
    };
  if (request.language === "python") {
    return {
      ok: true,
      value: {
        runtime: "python",
        args: ["-I", "-c", PYTHON_DRIVER],
        stdin: JSON.stringify({
          marker,
          source: request.source,
          function: request.functionName,
          args: request.args,
          agent_state: request.agentState ?? null,
        }),
        marker,
      },
    };
  }
  const transpiled = transpileTool(request.source, request.language);
  if (!transpiled.ok) return transpiled;
  const heapMb = options.nodeHeapBytes ? Math.max(16, Math.floor(options.nodeHeapBytes / 1024 / 1024)) : null;
  return {
    ok: true,
    value: {
      runtime: "node",
      args: [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), "-e", NODE_DRIVER],
      stdin: JSON.stringify({
        marker,
        source: transpiled.value,
        function: request.functionName,
        args: request.args,
        parameters: request.parameterNames ?? null,
        modules_dir: options.modulesDir ?? null,
      }),
      marker,
    },
  };
}

/** TypeScript or JavaScript (ES modules allowed) as CommonJS the driver can evaluate. */
export function transpileTool(
  source: string,
  language: "typescript" | "javascript",
): { ok: true; value: string } | { ok: false; error: SandboxError } {
  const output = ts.transpileModule(source, {
    fileName: language === "typescript" ? "tool.ts" : "tool.js",
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      allowJs: true,
    },
  });
  const syntaxError = output.diagnostics?.find(
    (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
  );
  if (syntaxError) {
    const message = ts.flattenDiagnosticMessageText(syntaxError.messageText, "\n");
    return { ok: false, error: { name: "SyntaxError", message, traceback: `SyntaxError: ${message}` } };
  }
  return { ok: true, value: output.outputText };
}

/** The result of a run from what its process printed and how it ended. */
export function readProgramOutcome(
  program: ToolProgram,
  exit: ProgramExit,
  limits: { timeoutMs: number; outputBytes: number; memoryBytes: number },
): SandboxRunResult {
  const at = exit.stdout.lastIndexOf(`\n${program.marker}`);
  if (at >= 0 && !exit.timedOut && !exit.overflowed) {
    const stdout = exit.stdout.slice(0, at);
    const line = exit.stdout.slice(at + program.marker.length + 1).split("\n", 1)[0] ?? "";
    const envelope = parseEnvelope(line);
    if (envelope) {
      const changes = envelope.agent_state;
      const base = { stdout, stderr: exit.stderr, agentStateChanges: changes };
      return envelope.ok
        ? { ...base, ok: true, value: envelope.value }
        : { ...base, ok: false, error: envelope.error };
    }
  }
  const stdout = at >= 0 ? exit.stdout.slice(0, at) : exit.stdout;
  if (exit.spawnError)
    return sandboxFailure(
      "SandboxError",
      `the tool could not be started: ${exit.spawnError}`,
      stdout,
      exit.stderr,
    );
  if (exit.timedOut)
    return sandboxFailure(
      "TimeoutError",
      `the tool did not finish within ${formatSeconds(limits.timeoutMs)} and was stopped`,
      stdout,
      exit.stderr,
    );
  if (exit.overflowed)
    return sandboxFailure(
      "OutputLimitError",
      `the tool printed more than ${formatBytes(limits.outputBytes)} and was stopped`,
      stdout,
      exit.stderr,
    );
  const lastLine = exit.stderr.trim().split("\n").at(-1)?.trim();
  const outOfMemory = /heap out of memory|MemoryError/.exec(exit.stderr);
  if (outOfMemory)
    return sandboxFailure(
      "MemoryError",
      `the tool ran out of memory (its limit is ${formatBytes(limits.memoryBytes)}): ${outOfMemory[0]}`,
      stdout,
      exit.stderr,
    );
  if (exit.signal)
    return sandboxFailure(
      "ToolKilledError",
      `the tool was killed by ${exit.signal} (its memory limit is ${formatBytes(limits.memoryBytes)})${lastLine ? `: ${lastLine}` : ""}`,
      stdout,
      exit.stderr,
    );
  return sandboxFailure(
    "ToolProcessError",
    `the tool exited with code ${exit.exitCode ?? "unknown"} without a result${lastLine ? `: ${lastLine}` : ""}`,
    stdout,
    exit.stderr,
  );
}

interface Envelope {
  ok: boolean;
  value: string;
  error: SandboxError;
  agent_state?: SandboxAgentStateChanges;
}

function parseEnvelope(line: string): Envelope | undefined {
  try {
    const parsed = JSON.parse(line) as Partial<Envelope>;
    if (parsed.ok === true && typeof parsed.value === "string") return parsed as Envelope;
    if (parsed.ok === false && parsed.error && typeof parsed.error.name === "string")
      return parsed as Envelope;
  } catch {
    // Not an envelope: the process is reported by how it ended.
  }
  return undefined;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes in the largest whole unit (`1 MiB`, `512 KiB`). */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit += 1;
  }
  return `${value} ${units[unit]}`;
}
