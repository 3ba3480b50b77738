import { randomUUID } from "node:crypto";
import {
  type Clock,
  DEFAULT_RETURN_CHAR_LIMIT,
  type IdGenerator,
  notFound,
  ReverieError,
  type ToolExecutionResult,
  type ToolRunFromSource,
  type ToolRunResult,
} from "../../../domain/index.js";
import type { Store } from "../../../store/store.js";
import { limitToolReturn } from "../return-char-limit.js";
import { type CustomToolExecutor, prepareCustomToolCall } from "./custom-tool-call.js";
import { defineToolFromSource } from "./tool-definition.js";

/** `POST /v1/tools/run` and `POST /v1/agents/{agent_id}/tools/{tool_name}/run`. */
export function createToolRuns(deps: {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  executor: CustomToolExecutor;
}) {
  const { store, executor } = deps;
  return {
    /**
     * Runs source code once with the given arguments and variables, without saving a tool (Letta's
     * "run tool from source"). The source is read as create does, so a bad source is a 422; a tool that
     * fails is an `error` status with Letta's message. The result is cut to the default `return_char_limit`.
     */
    async runFromSource(body: ToolRunFromSource): Promise<ToolRunResult> {
      const sourceType = body.source_type ?? "python";
      const definition = await defineToolFromSource({
        source_code: body.source_code,
        source_type: sourceType,
        json_schema: body.json_schema,
        args_json_schema: body.args_json_schema,
        name: body.name,
      });
      const outcome = await executor.runner.run({
        name: definition.name,
        sourceCode: body.source_code,
        sourceType,
        jsonSchema: definition.json_schema,
        pipRequirements: body.pip_requirements,
        npmRequirements: body.npm_requirements,
        args: body.args,
        env: body.env_vars ?? {},
      });
      return {
        id: deps.ids.next("message"),
        date: deps.clock.now().toISOString(),
        name: definition.name,
        message_type: "tool_return_message",
        otid: null,
        sender_id: null,
        step_id: null,
        is_err: outcome.ok ? null : true,
        seq_id: null,
        run_id: null,
        // No tool row exists: Letta's default limit applies, as it would to a tool created from this source.
        tool_return: limitToolReturn(
          { name: definition.name, return_char_limit: DEFAULT_RETURN_CHAR_LIMIT },
          outcome.text,
        ),
        status: outcome.ok ? "success" : "error",
        tool_call_id: `call-${randomUUID()}`,
        stdout: outcome.stdout ? [outcome.stdout] : [],
        stderr: outcome.stderr ? [outcome.stderr] : [],
      };
    },

    /**
     * Runs one of an agent's custom tools with its secrets and state, outside a turn; the blocks the
     * tool edits through `agent_state` are saved as revisions by the agent. The result is cut to the
     * tool's `return_char_limit`, as in a turn.
     */
    async runForAgent(
      agentId: string,
      toolName: string,
      args: Record<string, unknown>,
    ): Promise<ToolExecutionResult> {
      const agent = await store.agents.get(agentId);
      if (!agent) throw notFound("Agent", agentId);
      const tool = (await store.tools.listForAgent(agentId)).find((candidate) => candidate.name === toolName);
      if (!tool) throw notFound("Tool", `${toolName}' on agent '${agentId}`);
      if (tool.tool_type !== "custom" || !tool.source_code)
        throw new ReverieError(
          "invalid_argument",
          `Tool '${toolName}' is a ${tool.tool_type} tool: only custom tools run through this endpoint`,
        );
      const apply = await prepareCustomToolCall(tool, args, { store, agent, runId: null, executor });
      const applied = await store.transaction((tx) => apply(tx));
      return {
        status: applied.ok ? "success" : "error",
        func_return: limitToolReturn(tool, applied.text),
        stdout: applied.stdout ? [applied.stdout] : [],
        stderr: applied.stderr ? [applied.stderr] : [],
      };
    },
  };
}

export type ToolRuns = ReturnType<typeof createToolRuns>;
