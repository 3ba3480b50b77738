/** The languages a sandbox runs. TypeScript is transpiled to JavaScript before it reaches a backend. */
export type SandboxLanguage = "python" | "typescript" | "javascript";

/** One memory block as a tool sees it through `agent_state.memory`. */
export interface SandboxBlock {
  label: string;
  value: string;
  limit?: number | undefined;
  description?: string | null | undefined;
  read_only?: boolean | undefined;
}

/** The agent's state handed to a Python tool that declares an `agent_state` parameter. */
export interface SandboxAgentState {
  id: string;
  name: string;
  description?: string | null | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, unknown> | null | undefined;
  blocks: SandboxBlock[];
}

/** Edits a tool made to its agent's state (only blocks whose value changed). */
export interface SandboxAgentStateChanges {
  blocks: { label: string; value: string }[];
}

/** A prepared environment (installed pip/npm requirements) the tool runs with, read-only. */
export interface SandboxToolEnvironment {
  /** A Python virtualenv directory (its `bin/python` runs the tool) or a folder holding `node_modules`. */
  path: string;
  kind: "python-venv" | "node-modules";
}

/** One run of tool code. */
export interface SandboxRunRequest {
  language: SandboxLanguage;
  source: string;
  /** The function of `source` to call. */
  functionName: string;
  args: Record<string, unknown>;
  /** The function's parameters in order: JavaScript functions take their arguments by position. */
  parameterNames?: string[] | undefined;
  /** The tool's whole environment: the agent's secrets and tool variables plus `LETTA_AGENT_ID`. */
  env: Record<string, string>;
  timeoutMs?: number | undefined;
  memoryBytes?: number | undefined;
  outputBytes?: number | undefined;
  maxProcesses?: number | undefined;
  /** Passed as the `agent_state` argument (Python tools that declare it). */
  agentState?: SandboxAgentState | undefined;
  environment?: SandboxToolEnvironment | undefined;
  signal?: AbortSignal | undefined;
}

/** Why a run failed, in the terms of the tool's language (`ValueError`, `TimeoutError`...). */
export interface SandboxError {
  name: string;
  message: string;
  /** The traceback's last line (`ValueError: bad input`), when the tool raised. */
  traceback?: string | undefined;
}

/** What a run produced: the function's return value rendered as text, or the error it ended with. */
export type SandboxRunResult = (
  | { ok: true; value: string; error?: undefined }
  | { ok: false; error: SandboxError; value?: undefined }
) & {
  stdout: string;
  stderr: string;
  agentStateChanges?: SandboxAgentStateChanges | undefined;
};

/** Runs untrusted tool code away from the server: its own process, environment, files and limits. */
export interface Sandbox {
  /** The backend's name (`bubblewrap`, `docker`, `e2b`, `process`, `unavailable`). */
  readonly kind: string;
  run(request: SandboxRunRequest): Promise<SandboxRunResult>;
}

/** Limits applied when a request gives none (Letta's default timeout is 60 s per tool). */
export const SANDBOX_DEFAULTS = {
  timeoutMs: 60_000,
  memoryBytes: 1024 * 1024 * 1024,
  outputBytes: 1024 * 1024,
  maxProcesses: 64,
} as const;

/** The limits of a request with defaults filled in. */
export function sandboxLimits(request: SandboxRunRequest) {
  return {
    timeoutMs: request.timeoutMs ?? SANDBOX_DEFAULTS.timeoutMs,
    memoryBytes: request.memoryBytes ?? SANDBOX_DEFAULTS.memoryBytes,
    outputBytes: request.outputBytes ?? SANDBOX_DEFAULTS.outputBytes,
    maxProcesses: request.maxProcesses ?? SANDBOX_DEFAULTS.maxProcesses,
  };
}

/** A failed run with no output (the sandbox could not start, or refused the request). */
export function sandboxFailure(name: string, message: string, stdout = "", stderr = ""): SandboxRunResult {
  return { ok: false, error: { name, message }, stdout, stderr };
}

/**
 * The text a model sees for a failed tool, in Letta's format:
 * `Error executing function {name}: {ExcName}: {message}`, at most 1000 characters.
 */
export function formatToolError(functionName: string, error: SandboxError): string {
  const text = `Error executing function ${functionName}: ${error.name}: ${error.message}`;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
