import type { NpmRequirement, PipRequirement, ToolSourceType } from "../../../domain/index.js";
import {
  formatToolError,
  type Sandbox,
  type SandboxAgentState,
  type SandboxAgentStateChanges,
} from "../sandbox/sandbox.js";
import type { ToolEnvironments } from "../sandbox/tool-environments.js";

/** One call of a custom tool: its code and requirements, the arguments, and what the tool may see. */
export interface CustomToolCall {
  name: string;
  sourceCode: string;
  sourceType: ToolSourceType | string | null;
  /** The tool's JSON schema: its `name` is the function to call, its properties the parameter order. */
  jsonSchema?: { name?: string; parameters?: Record<string, unknown> } | null | undefined;
  pipRequirements?: readonly PipRequirement[] | null | undefined;
  npmRequirements?: readonly NpmRequirement[] | null | undefined;
  args: Record<string, unknown>;
  /** The agent's secrets and tool variables, and LETTA_AGENT_ID. */
  env: Record<string, string>;
  /** Given to a Python tool that declares `agent_state`. */
  agentState?: SandboxAgentState | undefined;
  signal?: AbortSignal | undefined;
}

/** What the model (or the caller of `/v1/tools/run`) gets back. */
export interface CustomToolOutcome {
  ok: boolean;
  /** The function's return value as text, or Letta's `Error executing function …` line. */
  text: string;
  stdout: string;
  stderr: string;
  agentStateChanges?: SandboxAgentStateChanges | undefined;
}

/** Runs custom tools in the sandbox, installing their requirements first. */
export interface CustomToolRunner {
  readonly sandboxKind: string;
  run(call: CustomToolCall): Promise<CustomToolOutcome>;
}

/** Backends that run the server's own interpreters and can mount a requirements folder built here. */
const LOCAL_BACKENDS = new Set(["bubblewrap", "process"]);

/** Builds the runner over a sandbox and the requirement environments. */
export function createCustomToolRunner(deps: {
  sandbox: Sandbox;
  environments?: ToolEnvironments | undefined;
  timeoutMs?: number | undefined;
}): CustomToolRunner {
  return {
    sandboxKind: deps.sandbox.kind,
    async run(call) {
      const language = languageOf(call.sourceType);
      const functionName = call.jsonSchema?.name || call.name;
      const fail = (name: string, message: string): CustomToolOutcome => ({
        ok: false,
        text: formatToolError(functionName, { name, message }),
        stdout: "",
        stderr: "",
      });
      let environment: Awaited<ReturnType<ToolEnvironments["prepare"]>> = { ok: true, value: undefined };
      // Remote backends (docker, e2b) take requirements from their image or template.
      if (deps.environments && LOCAL_BACKENDS.has(deps.sandbox.kind)) {
        environment =
          language === "python"
            ? await deps.environments.prepare({ kind: "python", packages: call.pipRequirements ?? [] })
            : await deps.environments.prepare({ kind: "node", packages: call.npmRequirements ?? [] });
      }
      if (!environment.ok) return fail("RequirementsError", environment.error);
      const properties = call.jsonSchema?.parameters?.properties;
      const result = await deps.sandbox.run({
        language,
        source: call.sourceCode,
        functionName,
        args: call.args,
        parameterNames:
          properties && typeof properties === "object" ? Object.keys(properties as object) : undefined,
        env: call.env,
        timeoutMs: deps.timeoutMs,
        agentState: language === "python" ? call.agentState : undefined,
        environment: environment.value,
        signal: call.signal,
      });
      const base = {
        stdout: result.stdout,
        stderr: result.stderr,
        agentStateChanges: result.agentStateChanges,
      };
      return result.ok
        ? { ...base, ok: true, text: result.value }
        : { ...base, ok: false, text: formatToolError(functionName, result.error) };
    },
  };
}

function languageOf(sourceType: string | null): "python" | "typescript" | "javascript" {
  if (sourceType === "typescript" || sourceType === "javascript") return sourceType;
  return "python";
}

/** Whether a Python tool's source mentions `agent_state` (only then is the agent's memory sent). */
export function wantsAgentState(sourceCode: string): boolean {
  return /\bagent_state\b/.test(sourceCode);
}
