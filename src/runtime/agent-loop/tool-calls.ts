import type { AgentRecord, ClientTool, Tool, ToolCall, ToolReturn } from "../../domain/index.js";
import type { ToolDefinition } from "../../llm/providers/types.js";
import type { Store } from "../../store/store.js";
import { formatLettaTime } from "../memory/letta-time.js";
import type { ToolRuleSolver } from "../tool-rules/solver.js";
import {
  type BuiltinToolContext,
  type PreparedToolCall,
  type PreparedToolResult,
  prepareBuiltinCall,
  prepareMcpCall,
} from "../tools/builtin-executor.js";
import { prepareCustomToolCall } from "../tools/custom/custom-tool-call.js";
import { limitToolReturn } from "../tools/return-char-limit.js";
import { formatToolError } from "../tools/sandbox/sandbox.js";
import { checkToolArguments, parseToolArguments } from "../tools/tool-arguments.js";

/** Agent types that use MemGPT's heartbeat loop rather than the native tool loop. */
export const HEARTBEAT_AGENT_TYPES: ReadonlySet<string> = new Set(["memgpt_agent", "memgpt_v2_agent"]);

const HEARTBEAT_DESCRIPTION =
  "Request an immediate heartbeat after the function runs. You MUST set this value to `true` if you want to send a follow-up message or run a follow-up tool call (chaining multiple tools together); otherwise the turn ends.";

/** The tools a step offers the model: the agent's tools allowed by the rules, then the client's. */
export function toolDefinitions(
  agent: AgentRecord,
  tools: readonly Tool[],
  allowed: readonly string[],
  clientTools: readonly ClientTool[],
  solver: ToolRuleSolver,
): ToolDefinition[] {
  const clientNames = new Set(clientTools.map((tool) => tool.name));
  const heartbeat = HEARTBEAT_AGENT_TYPES.has(agent.agent_type);
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    if (!allowed.includes(tool.name) || clientNames.has(tool.name) || !tool.json_schema) continue;
    let parameters = (tool.json_schema.parameters ?? { type: "object", properties: {} }) as Record<
      string,
      unknown
    >;
    if (heartbeat && !solver.isTerminal(tool.name)) {
      const properties = { ...((parameters.properties ?? {}) as Record<string, unknown>) };
      properties.request_heartbeat = { type: "boolean", description: HEARTBEAT_DESCRIPTION };
      const required = [...((parameters.required ?? []) as string[]), "request_heartbeat"];
      parameters = { ...parameters, properties, required };
    }
    definitions.push({ name: tool.name, description: tool.description ?? undefined, parameters });
  }
  for (const tool of clientTools) {
    definitions.push({
      name: tool.name,
      description: tool.description ?? undefined,
      parameters: tool.parameters ?? { type: "object", properties: {} },
    });
  }
  return definitions;
}

/** Letta's wrapping of a tool result as the model sees it. */
export function packageToolResponse(
  ok: boolean,
  message: string,
  now: Date,
  timezone: string | null,
): string {
  return JSON.stringify({ status: ok ? "OK" : "Failed", message, time: formatLettaTime(now, timezone) });
}

/** A server-side call made ready to run: the returned closure executes it in the step's transaction. */
export interface PlannedCall {
  call: ToolCall;
  /** The heartbeat the model asked for (legacy agents), if it sent one. */
  requestHeartbeat: boolean | undefined;
  run: (tx: Store) => Promise<{ toolReturn: ToolReturn; ok: boolean; editedMemory?: boolean }>;
}

function failed(call: ToolCall, message: string, now: Date, timezone: string | null): PlannedCall {
  return {
    call,
    requestHeartbeat: undefined,
    run: async () => ({
      ok: false,
      toolReturn: {
        tool_call_id: call.id,
        status: "error",
        func_response: packageToolResponse(false, message, now, timezone),
      },
    }),
  };
}

/**
 * Prepares one server-side call: validates that the tool is allowed and its arguments fit its schema,
 * merges prefilled arguments, and runs the slow part (searches, embeddings) now. Every failure becomes
 * a tool error the model will see; nothing here throws for bad model output.
 */
export async function planCall(
  call: ToolCall,
  options: {
    tools: ReadonlyMap<string, Tool>;
    allowed: readonly string[];
    prefilled: ReadonlyMap<string, Record<string, unknown>>;
    context: BuiltinToolContext;
  },
): Promise<PlannedCall> {
  const { context } = options;
  const now = context.clock.now();
  const timezone = context.agent.timezone;
  const name = call.function.name;
  const tool = options.tools.get(name);
  if (!tool || !options.allowed.includes(name)) {
    return failed(
      call,
      `[ToolConstraintError] Cannot call ${name}, valid tools include: [${options.allowed.join(", ")}].`,
      now,
      timezone,
    );
  }
  const parsed = parseToolArguments(name, call.function.arguments);
  if (!parsed.ok) return failed(call, parsed.error, now, timezone);
  const { request_heartbeat: heartbeat, ...rest } = parsed.value;
  const args = { ...rest, ...(options.prefilled.get(name) ?? {}) };
  const checked = checkToolArguments(name, tool.json_schema?.parameters, args);
  if (!checked.ok) return failed(call, checked.error, now, timezone);

  let prepared: PreparedToolCall | undefined;
  try {
    // By type first: a custom tool named like a built-in runs its own code.
    prepared =
      tool.tool_type === "external_mcp"
        ? await prepareMcpCall(tool, checked.value, context)
        : tool.tool_type === "custom" && tool.source_code
          ? await prepareCustomCall(tool, checked.value, context)
          : await prepareBuiltinCall(name, checked.value, context);
  } catch (error) {
    return failed(call, `Error executing function ${name}: ${(error as Error).message}`, now, timezone);
  }
  if (!prepared) {
    return failed(
      call,
      `Error executing function ${name}: this server cannot run tools of type ${tool.tool_type}`,
      now,
      timezone,
    );
  }
  const requestHeartbeat = typeof heartbeat === "boolean" ? heartbeat : undefined;
  const execute = prepared;
  return {
    call,
    requestHeartbeat,
    run: async (tx) => {
      let result: PreparedToolResult;
      try {
        result = await execute(tx);
      } catch (error) {
        result = { ok: false, error: `Error executing function ${name}: ${(error as Error).message}` };
      }
      const message = result.ok ? result.value : result.error;
      return {
        ok: result.ok,
        editedMemory: result.editedMemory === true,
        toolReturn: {
          tool_call_id: call.id,
          status: result.ok ? "success" : "error",
          func_response: packageToolResponse(result.ok, limitToolReturn(tool, message), now, timezone),
          ...(result.stdout ? { stdout: [result.stdout] } : {}),
          ...(result.stderr ? { stderr: [result.stderr] } : {}),
        },
      };
    },
  };
}

/** A custom tool's call: run in the sandbox now, its memory edits saved in the step's transaction. */
async function prepareCustomCall(
  tool: Tool,
  args: Record<string, unknown>,
  context: BuiltinToolContext,
): Promise<PreparedToolCall> {
  const executor = context.customTools;
  if (!executor) {
    const error = formatToolError(tool.json_schema?.name || tool.name, {
      name: "SandboxUnavailableError",
      message: "no sandbox available: this server was started without a tool sandbox",
    });
    return async () => ({ ok: false, error });
  }
  const apply = await prepareCustomToolCall(tool, args, {
    store: context.store,
    agent: context.agent,
    runId: context.runId,
    executor,
  });
  return async (tx) => {
    const applied = await apply(tx);
    const base = { stdout: applied.stdout, stderr: applied.stderr, editedMemory: applied.editedMemory };
    return applied.ok
      ? { ...base, ok: true, value: applied.text }
      : { ...base, ok: false, error: applied.text };
  };
}
