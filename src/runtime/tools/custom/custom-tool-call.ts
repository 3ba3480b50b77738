import type { AgentRecord, Tool } from "../../../domain/index.js";
import type { Store } from "../../../store/store.js";
import type { AgentSecretsPort } from "../../secrets/agent-secrets.js";
import type { SandboxAgentState } from "../sandbox/sandbox.js";
import type { CustomToolOutcome, CustomToolRunner } from "./custom-tool-runner.js";
import { wantsAgentState } from "./custom-tool-runner.js";

/** What the agent loop needs to run custom tools: the runner and the agents' secrets in clear. */
export interface CustomToolExecutor {
  runner: CustomToolRunner;
  secrets: AgentSecretsPort;
}

/** The result of a prepared call; memory edits make the loop rewrite the system prompt. */
export interface AppliedCustomCall {
  ok: boolean;
  text: string;
  stdout: string;
  stderr: string;
  editedMemory: boolean;
}

/** The agent's state as a tool sees it: identity, tags, metadata and its core memory blocks. */
export async function sandboxAgentState(store: Store, agent: AgentRecord): Promise<SandboxAgentState> {
  const blocks = await store.blocks.listForAgent(agent.id);
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    tags: agent.tags,
    metadata: agent.metadata,
    blocks: blocks.map((block) => ({
      label: block.label,
      value: block.value,
      limit: block.limit,
      description: block.description,
      read_only: block.read_only,
    })),
  };
}

/** The variables a tool of this agent sees: its secrets (tool variables) and LETTA_AGENT_ID. */
export async function toolEnvironmentFor(
  secrets: AgentSecretsPort,
  agentId: string,
): Promise<Record<string, string>> {
  return { ...(await secrets(agentId)), LETTA_AGENT_ID: agentId };
}

/**
 * Runs a custom tool for an agent now (outside any transaction: it may take a minute) and returns the
 * step that saves what it did: the blocks its `agent_state` changed are written in the step's
 * transaction as revisions by the agent, as Letta persists a tool's returned agent state. Read-only
 * blocks are not written.
 */
export async function prepareCustomToolCall(
  tool: Tool,
  args: Record<string, unknown>,
  context: { store: Store; agent: AgentRecord; runId: string | null; executor: CustomToolExecutor },
): Promise<(tx: Store) => Promise<AppliedCustomCall>> {
  const { agent } = context;
  const source = tool.source_code ?? "";
  const outcome: CustomToolOutcome = await context.executor.runner.run({
    name: tool.name,
    sourceCode: source,
    sourceType: tool.source_type,
    jsonSchema: tool.json_schema,
    pipRequirements: tool.pip_requirements as CustomToolRunInputRequirements,
    npmRequirements: tool.npm_requirements as CustomToolRunInputRequirements,
    args,
    env: await toolEnvironmentFor(context.executor.secrets, agent.id),
    agentState: wantsAgentState(source) ? await sandboxAgentState(context.store, agent) : undefined,
  });
  return async (tx) => {
    let editedMemory = false;
    for (const change of outcome.agentStateChanges?.blocks ?? []) {
      const block = await tx.blocks.getForAgentByLabel(agent.id, change.label);
      if (!block || block.read_only || block.value === change.value) continue;
      await tx.blocks.update(
        block.id,
        { value: change.value },
        { type: "agent", id: agent.id, run_id: context.runId },
      );
      editedMemory = true;
    }
    return {
      ok: outcome.ok,
      text: outcome.text,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      editedMemory,
    };
  };
}

type CustomToolRunInputRequirements = { name: string; version?: string | null }[] | null;
