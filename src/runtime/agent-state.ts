import { type AgentRecord, type AgentState, toLettaMessages } from "../domain/index.js";
import { modelSettingsOf } from "../llm/llm-config-overrides.js";
import type { Store } from "../store/store.js";
import { maskedAgentSecrets } from "./secrets/agent-secrets.js";

/**
 * Letta's AgentState view of a stored agent: its blocks, tools and identities, plus the deprecated
 * fields the clients still require (`memory`, `sources`). Secret values are masked.
 */
export async function buildAgentState(store: Store, agent: AgentRecord): Promise<AgentState> {
  const lastId = agent.message_ids.at(-1);
  const [blocks, tools, identities, groups, last, sources, secrets] = await Promise.all([
    store.blocks.listForAgent(agent.id),
    store.tools.listForAgent(agent.id),
    store.identities.listForAgent(agent.id),
    store.groups.listForAgent(agent.id),
    lastId === undefined ? Promise.resolve(undefined) : store.messages.get(lastId),
    store.sources.listForAgent(agent.id),
    maskedAgentSecrets(store, agent.id),
  ]);
  // A tool call waiting for approval is the window's last message (letta-code reads this field).
  const pending =
    last?.role === "approval" && last.tool_calls?.length ? (toLettaMessages(last)[0] ?? null) : null;
  const managedGroup = groups.find((group) => group.manager_agent_id === agent.id) ?? null;
  return {
    ...agent,
    // Derived from the config, as Letta does, so it shows what the agent runs with whatever was sent.
    model_settings: modelSettingsOf(agent.llm_config, agent.response_format),
    blocks,
    tools,
    memory: {
      agent_type: agent.agent_type,
      blocks,
      file_blocks: [],
      git_enabled: false,
      prompt_template: null,
    },
    sources,
    identities,
    identity_ids: identities.map((identity) => identity.id),
    managed_group: managedGroup,
    multi_agent_group: managedGroup,
    pending_approval: pending,
    secrets,
    tool_exec_environment_variables: secrets,
  };
}
