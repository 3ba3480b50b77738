import type { AgentRecord, AgentState } from "../domain/index.js";
import type { Store } from "../store/store.js";

/**
 * Letta's AgentState view of a stored agent: its blocks, tools and identities, plus the deprecated
 * fields the clients still require (`memory`, `sources`). Secret values are never part of it.
 */
export async function buildAgentState(store: Store, agent: AgentRecord): Promise<AgentState> {
  const [blocks, tools, identities, groups] = await Promise.all([
    store.blocks.listForAgent(agent.id),
    store.tools.listForAgent(agent.id),
    store.identities.listForAgent(agent.id),
    store.groups.listForAgent(agent.id),
  ]);
  const managedGroup = groups.find((group) => group.manager_agent_id === agent.id) ?? null;
  return {
    ...agent,
    blocks,
    tools,
    memory: {
      agent_type: agent.agent_type,
      blocks,
      file_blocks: [],
      git_enabled: false,
      prompt_template: null,
    },
    sources: [],
    identities,
    identity_ids: identities.map((identity) => identity.id),
    managed_group: managedGroup,
    multi_agent_group: managedGroup,
    pending_approval: null,
    secrets: [],
    tool_exec_environment_variables: [],
  };
}
