import {
  type AgentState,
  type Clock,
  type IdGenerator,
  notFound,
  type Tool,
  type ToolRule,
} from "../domain/index.js";
import type { Store, ToolListQuery } from "../store/store.js";
import { buildAgentState } from "./agent-state.js";
import { upsertBaseTools } from "./tools/base-tools.js";

/** Tools, and which of them an agent has. */
export function createToolService(deps: { store: Store; clock: Clock; ids: IdGenerator }) {
  const { store } = deps;

  async function agentState(agentId: string, from: Store = store): Promise<AgentState> {
    const agent = await from.agents.get(agentId);
    if (!agent) throw notFound("Agent", agentId);
    return buildAgentState(from, agent);
  }

  async function requireTool(from: Store, toolId: string): Promise<Tool> {
    const tool = await from.tools.get(toolId);
    if (!tool) throw notFound("Tool", toolId);
    return tool;
  }

  return {
    list: (query: ToolListQuery) => store.tools.list(query),
    get: (toolId: string) => requireTool(store, toolId),
    /** Upserts the built-in tools (Letta's `add-base-tools`). */
    addBaseTools: () => upsertBaseTools(store, deps),

    async listForAgent(agentId: string): Promise<Tool[]> {
      await agentState(agentId);
      return store.tools.listForAgent(agentId);
    },

    attach: (agentId: string, toolId: string) =>
      store.transaction(async (tx) => {
        if (!(await tx.agents.get(agentId))) throw notFound("Agent", agentId);
        await requireTool(tx, toolId);
        await tx.tools.attach(agentId, toolId);
        return agentState(agentId, tx);
      }),

    detach: (agentId: string, toolId: string) =>
      store.transaction(async (tx) => {
        if (!(await tx.agents.get(agentId))) throw notFound("Agent", agentId);
        await requireTool(tx, toolId);
        await tx.tools.detach(agentId, toolId);
        return agentState(agentId, tx);
      }),

    /** Turns approval on or off for one of the agent's tools, as a `requires_approval` tool rule. */
    setApproval: (agentId: string, toolName: string, requiresApproval: boolean) =>
      store.transaction(async (tx) => {
        const agent = await tx.agents.get(agentId);
        if (!agent) throw notFound("Agent", agentId);
        const tools = await tx.tools.listForAgent(agentId);
        if (!tools.some((tool) => tool.name === toolName)) {
          throw notFound("Tool", `${toolName}' on agent '${agentId}`);
        }
        const others = agent.tool_rules.filter(
          (rule) => !(rule.type === "requires_approval" && rule.tool_name === toolName),
        );
        const rules: ToolRule[] = requiresApproval
          ? [...others, { type: "requires_approval", tool_name: toolName }]
          : others;
        await tx.agents.update(agentId, { tool_rules: rules });
        return agentState(agentId, tx);
      }),
  };
}

export type ToolService = ReturnType<typeof createToolService>;
