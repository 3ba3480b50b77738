import type {
  AgentFileAgent,
  AgentFileBlock,
  AgentFileGroup,
  AgentFileMessage,
  AgentFileTool,
  ExportedAgentFile,
} from "../../domain/index.js";
import {
  type AgentRecord,
  type Block,
  type Clock,
  type Group,
  isoNow,
  type Message,
  notFound,
  type Tool,
} from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { agentSecretNames } from "../secrets/agent-secrets.js";
import { exportFolders } from "./folders.js";

/** What to put in an exported file. */
export interface ExportOptions {
  /** Leave every message out (Letta's `scrub_messages`). */
  scrubMessages?: boolean | undefined;
  /** Export the whole history, not only the in-context window (beyond Letta). */
  includeHistory?: boolean | undefined;
  /** Export this conversation's window (and history) instead of the agent's default one. */
  conversationId?: string | null | undefined;
  /** Skills the client resolved and wants in the file (`POST …/export`), carried as given. */
  skills?: ExportedAgentFile["skills"] | undefined;
}

/** Marks files written by Reverie; Letta puts its database revision here. */
export const AGENT_FILE_REVISION = "reverie-agent-file-1";

const HISTORY_PAGE = 500;

/** Gives each exported entity a file-local id (`agent-0`, `block-3`...), the same one every time it is met. */
export class LocalIds {
  private readonly maps = new Map<string, Map<string, string>>();

  of(prefix: string, id: string): string {
    let map = this.maps.get(prefix);
    if (map === undefined) {
      map = new Map();
      this.maps.set(prefix, map);
    }
    let local = map.get(id);
    if (local === undefined) {
      local = `${prefix}-${map.size}`;
      map.set(id, local);
    }
    return local;
  }

  known(prefix: string, id: string): string | undefined {
    return this.maps.get(prefix)?.get(id);
  }
}

/**
 * Builds the Agent File v2 of an agent and of every agent grouped with it (a sleep-time agent comes
 * with its primary): blocks once each even when shared, tools with their source code, the window's
 * messages (or the whole history), ids remapped to file-local ones and no secret values.
 */
export async function exportAgentFile(
  store: Store,
  clock: Clock,
  agentId: string,
  options: ExportOptions = {},
): Promise<ExportedAgentFile> {
  const primary = await store.agents.get(agentId);
  if (primary === undefined) throw notFound("Agent", agentId);
  const conversation = options.conversationId
    ? await store.conversations.get(options.conversationId)
    : undefined;
  if (options.conversationId && conversation?.agent_id !== agentId) {
    throw notFound("Conversation", options.conversationId);
  }

  const groups = await store.groups.listForAgent(agentId);
  const memberIds = [
    ...new Set([
      agentId,
      ...groups.flatMap((group) => [
        ...(group.manager_agent_id ? [group.manager_agent_id] : []),
        ...group.agent_ids,
      ]),
    ]),
  ];
  const ids = new LocalIds();
  const blocks = new Map<string, AgentFileBlock>();
  const tools = new Map<string, AgentFileTool>();
  const agents: AgentFileAgent[] = [];
  const folders = {
    sources: new Map<string, Record<string, unknown>>(),
    files: new Map<string, Record<string, unknown>>(),
  };
  for (const id of memberIds) ids.of("agent", id);
  for (const group of groups) ids.of("group", group.id);

  for (const memberId of memberIds) {
    const agent = memberId === agentId ? primary : await store.agents.get(memberId);
    if (agent === undefined) continue;
    const [agentBlocks, agentTools, secretNames] = await Promise.all([
      store.blocks.listForAgent(agent.id),
      store.tools.listForAgent(agent.id),
      agentSecretNames(store, agent.id),
    ]);
    for (const block of agentBlocks) blocks.set(block.id, toFileBlock(block, ids.of("block", block.id)));
    for (const tool of agentTools) tools.set(tool.id, toFileTool(tool, ids.of("tool", tool.id)));
    const attached = await exportFolders(store, agent.id, ids, folders);
    // Only the exported agent's messages may come from a conversation; its group mates use their own window.
    const windowIds =
      agent.id === agentId && conversation ? conversation.in_context_message_ids : agent.message_ids;
    const conversationId = agent.id === agentId ? (conversation?.id ?? null) : null;
    const messages = options.scrubMessages
      ? []
      : await exportedMessages(store, agent.id, windowIds, conversationId, options.includeHistory ?? false);
    const memberGroups = groups.filter(
      (group) => group.manager_agent_id === agent.id || group.agent_ids.includes(agent.id),
    );
    agents.push(
      toFileAgent(agent, {
        localId: ids.of("agent", agent.id),
        blockIds: agentBlocks.map((block) => ids.of("block", block.id)),
        toolIds: agentTools.map((tool) => ids.of("tool", tool.id)),
        groupIds: memberGroups.map((group) => ids.of("group", group.id)),
        messages: messages.map((message) => toFileMessage(message, ids)),
        window: options.scrubMessages ? [] : windowIds.flatMap((id) => ids.known("message", id) ?? []),
        sourceIds: attached.sourceIds,
        filesAgents: attached.filesAgents,
        secretNames,
      }),
    );
  }

  return {
    agents,
    groups: groups.map((group) => toFileGroup(group, ids, blocks)),
    blocks: [...blocks.values()],
    files: [...folders.files.values()] as ExportedAgentFile["files"],
    sources: [...folders.sources.values()] as ExportedAgentFile["sources"],
    tools: [...tools.values()],
    mcp_servers: [],
    skills: options.skills ?? [],
    metadata: { revision_id: AGENT_FILE_REVISION },
    created_at: isoNow(clock),
  };
}

/** The window's messages, or the whole history of that conversation with the window's own messages. */
async function exportedMessages(
  store: Store,
  agentId: string,
  windowIds: readonly string[],
  conversationId: string | null,
  includeHistory: boolean,
): Promise<Message[]> {
  const window = await store.messages.getMany(windowIds);
  if (!includeHistory) return window;
  const history: Message[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.messages.list({
      agent_id: agentId,
      conversation_id: conversationId,
      order: "asc",
      limit: HISTORY_PAGE,
      after,
    });
    history.push(...page);
    if (page.length < HISTORY_PAGE) break;
    after = page.at(-1)?.id;
  }
  const seen = new Set(history.map((message) => message.id));
  return [...history, ...window.filter((message) => !seen.has(message.id))].sort(
    (a, b) => a.sequence_id - b.sequence_id,
  );
}

function toFileAgent(
  agent: AgentRecord,
  links: {
    localId: string;
    blockIds: string[];
    toolIds: string[];
    groupIds: string[];
    messages: AgentFileMessage[];
    window: string[];
    sourceIds: string[];
    filesAgents: Record<string, unknown>[];
    secretNames: string[];
  },
): AgentFileAgent {
  // Secrets travel by name only, with blank values, as Letta exports them; the values never leave.
  const blankSecrets = Object.fromEntries(links.secretNames.map((name) => [name, ""]));
  return {
    name: agent.name,
    memory_blocks: [],
    tools: [],
    tool_ids: links.toolIds,
    source_ids: links.sourceIds,
    folder_ids: links.sourceIds,
    block_ids: links.blockIds,
    tool_rules: agent.tool_rules,
    tags: agent.tags,
    system: agent.system,
    agent_type: agent.agent_type,
    initial_message_sequence: null,
    include_base_tools: false,
    include_multi_agent_tools: false,
    include_base_tool_rules: false,
    include_default_source: false,
    description: agent.description,
    metadata: agent.metadata,
    llm_config: agent.llm_config,
    embedding_config: agent.embedding_config,
    model: agent.model,
    embedding: agent.embedding,
    model_settings: agent.model_settings,
    compaction_settings: agent.compaction_settings,
    context_window_limit: agent.context_window_limit,
    parallel_tool_calls: agent.llm_config.parallel_tool_calls ?? null,
    tool_exec_environment_variables: blankSecrets,
    secrets: links.secretNames.length > 0 ? blankSecrets : null,
    project_id: agent.project_id,
    template_id: agent.template_id,
    base_template_id: agent.base_template_id,
    identity_ids: [],
    message_buffer_autoclear: agent.message_buffer_autoclear,
    // As in Letta: the sleep-time pairing travels as a group, not as this flag.
    enable_sleeptime: false,
    response_format: agent.response_format,
    timezone: agent.timezone,
    max_files_open: agent.max_files_open,
    per_file_view_window_char_limit: agent.per_file_view_window_char_limit,
    hidden: agent.hidden,
    id: links.localId,
    in_context_message_ids: links.window,
    messages: links.messages,
    files_agents: links.filesAgents,
    group_ids: links.groupIds,
  };
}

function toFileBlock(block: Block, localId: string): AgentFileBlock {
  return {
    value: block.value,
    limit: block.limit,
    project_id: block.project_id,
    template_name: block.template_name,
    is_template: block.is_template,
    label: block.label,
    read_only: block.read_only,
    description: block.description,
    metadata: block.metadata,
    hidden: block.hidden,
    tags: block.tags,
    id: localId,
  };
}

function toFileTool(tool: Tool, localId: string): AgentFileTool {
  return {
    id: localId,
    tool_type: tool.tool_type,
    description: tool.description,
    source_type: tool.source_type,
    name: tool.name,
    tags: tool.tags,
    source_code: tool.source_code,
    json_schema: tool.json_schema,
    args_json_schema: tool.args_json_schema,
    return_char_limit: tool.return_char_limit,
    pip_requirements: tool.pip_requirements,
    npm_requirements: tool.npm_requirements,
    default_requires_approval: tool.default_requires_approval,
    enable_parallel_execution: tool.enable_parallel_execution,
    metadata_: tool.metadata_,
    project_id: tool.project_id,
  };
}

function toFileMessage(message: Message, ids: LocalIds): AgentFileMessage {
  return {
    type: "message",
    role: message.role,
    content: message.content,
    name: message.name,
    otid: message.otid,
    sender_id: message.sender_id,
    batch_item_id: null,
    group_id: message.group_id ? (ids.known("group", message.group_id) ?? null) : null,
    id: ids.of("message", message.id),
    model: message.model,
    agent_id: ids.known("agent", message.agent_id) ?? null,
    tool_calls: message.tool_calls,
    tool_call_id: message.tool_call_id,
    tool_returns: message.tool_returns,
    created_at: message.created_at,
    approve: null,
    approval_request_id: null,
    denial_reason: null,
    approvals: message.approvals,
    is_err: message.is_err,
  };
}

function toFileGroup(group: Group, ids: LocalIds, exported: ReadonlyMap<string, unknown>): AgentFileGroup {
  return {
    id: ids.of("group", group.id),
    agent_ids: group.agent_ids.map((id) => ids.of("agent", id)),
    description: group.description,
    manager_config: {
      manager_type: group.manager_type,
      manager_agent_id: group.manager_agent_id ? ids.of("agent", group.manager_agent_id) : null,
      sleeptime_agent_frequency: group.sleeptime_agent_frequency,
      max_turns: group.max_turns,
      termination_token: group.termination_token,
      max_message_buffer_length: group.max_message_buffer_length,
      min_message_buffer_length: group.min_message_buffer_length,
    },
    // A shared block no exported agent still has would dangle in the file.
    shared_block_ids: group.shared_block_ids
      .filter((id) => exported.has(id))
      .map((id) => ids.of("block", id)),
    hidden: group.hidden,
    project_id: group.project_id,
  };
}
