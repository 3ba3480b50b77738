import {
  type AgentRecord,
  AgentTypeSchema,
  type Block,
  type Clock,
  type CreateAgent,
  type Group,
  type IdGenerator,
  isoNow,
  type Message,
  ReverieError,
  type Tool,
} from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import type { Store } from "../../store/store.js";
import { findToolsByName, replaceBlocks, replaceTools } from "../agent-attachments.js";
import { loadContextWindow } from "../agent-loop/context-window.js";
import { generateAgentName } from "../agent-names.js";
import { USER_ACTOR } from "../block-records.js";
import { FILE_TOOL_NAMES } from "../files/file-tools.js";
import { serverNameOfTool } from "../mcp/mcp-tool-rows.js";
import { chooseEmbeddingForCreate, chooseLlmForCreate } from "../model-selection.js";
import { replaceAgentSecrets, validateSecrets } from "../secrets/agent-secrets.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { defaultSystemPrompt } from "../system-prompt.js";
import { importFolders } from "./folders.js";
import { blockRecord, messageRecord, resolveTool, type ToolOutcome } from "./import-records.js";
import type { ParsedAgentFile } from "./parse.js";
import type { AgentFile, AgentFileAgent } from "./schema.js";

/** Options of an import, as `POST /v1/agents/import` takes them. */
export interface ImportOptions {
  /** Replace stored tools of the same name with the file's definition (default true; built-ins never). */
  overrideExistingTools?: boolean | undefined;
  /** Import no messages: every agent starts with a fresh window. */
  stripMessages?: boolean | undefined;
  /** Values for the secrets the file names (their values are blank in a file). */
  secrets?: Record<string, string> | undefined;
  /** New name of the first agent (its group mates named after it follow). */
  name?: string | undefined;
  /** Model handle for every imported agent instead of the file's. */
  model?: string | undefined;
  /** Embedding handle for every imported agent instead of the file's. */
  embedding?: string | undefined;
  projectId?: string | undefined;
  /** Letta's deprecated `append_copy_suffix`: appends `_copy` to the first agent's name. */
  appendCopySuffix?: boolean | undefined;
  /** Told as entities are written (done, total): the CLI draws its progress bar from it. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** What an import created, and what it could not carry over. */
export interface ImportResult {
  agent_ids: string[];
  /** Parts of the file this server did not import, or changed to import, in words. */
  notes: string[];
  /** What will not work until the user acts (an agent's model whose provider is not configured). */
  warnings: string[];
}

export interface ImportDeps {
  /** Seals the secrets the file names (blank unless given) before they are stored. */
  secretBox: SecretBox;
  store: Store;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  /** Tells the job worker that file processing jobs are waiting. */
  wakeJobs?: (() => void) | undefined;
}

/** Messages written per slice (each slice reports progress). */
const MESSAGE_BATCH = 250;

type Choices = Pick<AgentRecord, "model" | "llm_config" | "embedding" | "embedding_config">;

/**
 * Recreates the agents of a parsed file with new ids, in one transaction: blocks (shared ones stay
 * shared), tools, agents, their messages and windows, then groups. Anything wrong rolls all of it back.
 */
export async function importAgentFile(
  deps: ImportDeps,
  parsed: ParsedAgentFile,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const { file } = parsed;
  const { store, clock, ids } = deps;
  const notes = unsupportedNotes(file);
  for (const agent of file.agents) validateSecrets(importedSecrets(agent, options));
  // Model resolution may ask a local server for its models: done before the transaction opens.
  const choices: Choices[] = [];
  for (const [index, agent] of file.agents.entries())
    choices.push(await chooseModels(deps, agent, index, options));
  const names = agentNames(file.agents, options);
  const warnings: string[] = [];
  for (const [index, choice] of choices.entries()) {
    const warning = await unservedModelWarning(deps.models, choice, names[index] ?? file.agents[index]?.name);
    if (warning) warnings.push(warning);
  }
  const now = isoNow(clock);
  const blocks = (file.blocks ?? []).map((block, index) => ({
    local: block.id,
    record: blockRecord(block, index, deps, notes),
  }));
  const messageCount = options.stripMessages
    ? 0
    : file.agents.reduce((sum, agent) => sum + (agent.messages?.length ?? 0), 0);
  const total =
    blocks.length +
    (file.tools?.length ?? 0) +
    file.agents.length +
    messageCount +
    (file.groups?.length ?? 0);
  let done = 0;
  const progress = (count: number) => {
    done += count;
    options.onProgress?.(done, total);
  };

  const result = await store.transaction(async (tx) => {
    const blockIds = new Map<string, Block>();
    for (const { local, record } of blocks) {
      blockIds.set(local, await tx.blocks.create(record, USER_ACTOR));
    }
    progress(blocks.length);

    const toolIds = new Map<string, Tool>();
    const outcomes: ToolOutcome[] = [];
    for (const [index, tool] of (file.tools ?? []).entries()) {
      const resolved = await resolveTool(tx, tool, index, {
        override: options.overrideExistingTools ?? true,
        ids,
        clock,
      });
      toolIds.set(tool.id, resolved.tool);
      outcomes.push(resolved.outcome);
    }
    progress(file.tools?.length ?? 0);
    notes.push(...(await mcpNotes(tx, [...toolIds.values()])));

    const folderIds = await importFolders(tx, file, { clock, ids }, notes);
    const agentIds = new Map(file.agents.map((agent) => [agent.id, ids.next("agent")]));
    const groupIds = new Map((file.groups ?? []).map((group) => [group.id, ids.next("group")]));
    const sleeptimeManagers = new Set(
      (file.groups ?? [])
        .filter((group) => group.manager_config?.manager_type === "sleeptime")
        .flatMap((group) => group.manager_config?.manager_agent_id ?? []),
    );
    const dropped = { droppedParts: 0 };
    const lastMessage = new Map<string, string>();

    for (const [index, agent] of file.agents.entries()) {
      const id = agentIds.get(agent.id) as string;
      let record = agentRecord(agent, index, {
        id,
        name: names[index] ?? generateAgentName(id),
        choices: choices[index] as Choices,
        enableSleeptime: sleeptimeManagers.has(agent.id),
        projectId: options.projectId,
        now,
      });
      await tx.agents.create(record);
      const secrets = importedSecrets(agent, options);
      if (Object.keys(secrets).length > 0) await replaceAgentSecrets(tx, deps.secretBox, id, secrets);
      await replaceBlocks(
        tx,
        id,
        (agent.block_ids ?? []).map((local) => blockIds.get(local) as Block),
      );
      await replaceTools(
        tx,
        id,
        (agent.tool_ids ?? []).map((local) => toolIds.get(local) as Tool),
      );
      const folders = new Set([...(agent.source_ids ?? []), ...(agent.folder_ids ?? [])]);
      for (const local of folders) await tx.sources.attach(id, folderIds.get(local) as string, now);
      // As when attaching a folder through the API: an agent with folders has the file tools.
      if (folders.size > 0) {
        for (const tool of await findToolsByName(tx, FILE_TOOL_NAMES)) await tx.tools.attach(id, tool.id);
      }
      progress(1);

      if (!options.stripMessages && agent.messages?.length) {
        const messageIds = new Map(agent.messages.map((message) => [message.id, ids.next("message")]));
        const records = agent.messages.map((message) =>
          messageRecord(
            message,
            {
              id: messageIds.get(message.id) as string,
              agentId: id,
              groupId: message.group_id ? (groupIds.get(message.group_id) ?? null) : null,
              now,
            },
            dropped,
          ),
        );
        const stored: Message[] = [];
        // In slices, so the progress of a long history shows while it is written.
        for (let start = 0; start < records.length; start += MESSAGE_BATCH) {
          const slice = await tx.messages.append(records.slice(start, start + MESSAGE_BATCH));
          stored.push(...slice);
          progress(slice.length);
        }
        const window = (agent.in_context_message_ids ?? []).map((local) => messageIds.get(local) as string);
        record = (await tx.agents.update(id, { message_ids: window })) ?? record;
        const last = stored.at(-1);
        if (last) lastMessage.set(agent.id, last.id);
      }
      // The window must open with this server's system message: created when the file has none, and
      // recompiled when the file's was compiled by another server from other memory.
      await loadContextWindow(tx, record, { kind: "agent", agentId: id }, { clock, ids });
    }

    for (const group of file.groups ?? []) {
      await tx.groups.create(groupRecord(group, { groupIds, agentIds, blockIds, lastMessage }));
    }
    progress(file.groups?.length ?? 0);

    if (dropped.droppedParts > 0) {
      notes.push(`${dropped.droppedParts} message content part(s) of unknown types were left out`);
    }
    const replaced = outcomes.filter((outcome) => outcome === "replaced").length;
    if (replaced > 0) notes.push(`${replaced} existing tool(s) were replaced by the file's definition`);
    return [...agentIds.values()];
  });
  // The imported files' processing jobs were committed with the agents: start on them now.
  if ((file.files?.length ?? 0) > 0) deps.wakeJobs?.();
  return { agent_ids: result, notes, warnings };
}

/**
 * Why an imported agent's model cannot run here, if it cannot: the file's config names a provider this
 * server has not configured (or a model it does not serve), and every turn would fail. The user learns
 * it at import time, with the way out: configure the provider, or import again naming a model.
 */
async function unservedModelWarning(
  models: ModelRegistry,
  choice: Choices,
  name: string | null | undefined,
): Promise<string | undefined> {
  const handle = choice.llm_config.handle ?? choice.model;
  if (!handle) return undefined;
  try {
    await models.resolveLlm(handle);
    return undefined;
  } catch (error) {
    if (!(error instanceof ReverieError)) throw error;
    const example = await models.defaultLlmHandle();
    return (
      `agent '${name ?? "(unnamed)"}' uses the model '${handle}', which this server cannot run (${error.message}); ` +
      `its turns will fail until that is fixed, or import it again with --model <handle> ` +
      `(the \`model\` field of POST /v1/agents/import)${example ? `, e.g. --model ${example}` : ""}`
    );
  }
}

/** The chat and embedding model of an imported agent: the override, else the file's config, else its handle. */
async function chooseModels(
  deps: ImportDeps,
  agent: AgentFileAgent,
  index: number,
  options: ImportOptions,
): Promise<Choices> {
  const input: CreateAgent = {
    model: options.model ?? (agent.llm_config ? undefined : (agent.model ?? undefined)),
    llm_config: options.model ? undefined : (agent.llm_config ?? undefined),
    model_settings: agent.model_settings,
    context_window_limit: agent.context_window_limit,
    embedding: options.embedding ?? (agent.embedding_config ? undefined : (agent.embedding ?? undefined)),
    embedding_config: options.embedding ? undefined : (agent.embedding_config ?? undefined),
  };
  try {
    const llm = await chooseLlmForCreate(deps.models, input, { asGiven: true });
    const embedding = await chooseEmbeddingForCreate(deps.models, input, { asGiven: true });
    return { ...llm, ...embedding };
  } catch (error) {
    if (!(error instanceof ReverieError)) throw error;
    const field = options.model || options.embedding ? "model" : `agents[${index}].model`;
    throw new ReverieError(
      error.code === "not_found" ? "validation" : error.code,
      `${field}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
}

function agentNames(agents: readonly AgentFileAgent[], options: ImportOptions): Array<string | undefined> {
  const names = agents.map((agent) => agent.name ?? undefined);
  const first = names[0];
  let renamed = options.name ?? first;
  if (renamed !== undefined && options.appendCopySuffix) renamed = `${renamed}_copy`;
  if (renamed === first) return names;
  // A sleep-time agent is named after its primary (`<name>-sleeptime`): it follows the new name.
  return names.map((name, index) =>
    index === 0
      ? renamed
      : first && name?.startsWith(`${first}-`)
        ? `${renamed}${name.slice(first.length)}`
        : name,
  );
}

function agentRecord(
  agent: AgentFileAgent,
  index: number,
  fields: {
    id: string;
    name: string;
    choices: Choices;
    enableSleeptime: boolean;
    projectId: string | undefined;
    now: string;
  },
): AgentRecord {
  const type = AgentTypeSchema.safeParse(agent.agent_type ?? "letta_v1_agent");
  if (!type.success) {
    throw new ReverieError(
      "validation",
      `Invalid agent file: agents[${index}].agent_type: unknown agent type '${agent.agent_type}'`,
    );
  }
  return {
    id: fields.id,
    name: fields.name,
    agent_type: type.data,
    system: agent.system ?? defaultSystemPrompt(type.data),
    description: agent.description ?? null,
    ...fields.choices,
    model_settings: agent.model_settings ?? null,
    compaction_settings: agent.compaction_settings ?? null,
    context_window_limit: agent.context_window_limit ?? null,
    tool_rules: agent.tool_rules ?? [],
    tags: [...new Set(agent.tags ?? [])],
    metadata: agent.metadata ?? null,
    message_ids: [],
    timezone: agent.timezone ?? "UTC",
    max_files_open: agent.max_files_open ?? null,
    per_file_view_window_char_limit: agent.per_file_view_window_char_limit ?? null,
    message_buffer_autoclear: agent.message_buffer_autoclear ?? false,
    enable_sleeptime: fields.enableSleeptime,
    hidden: agent.hidden ?? null,
    response_format: agent.response_format ?? null,
    last_run_completion: null,
    last_run_duration_ms: null,
    last_stop_reason: null,
    project_id: fields.projectId ?? agent.project_id ?? null,
    template_id: agent.template_id ?? null,
    base_template_id: agent.base_template_id ?? null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: fields.now,
    updated_at: fields.now,
  };
}

function groupRecord(
  group: NonNullable<AgentFile["groups"]>[number],
  maps: {
    groupIds: Map<string, string>;
    agentIds: Map<string, string>;
    blockIds: Map<string, Block>;
    lastMessage: Map<string, string>;
  },
): Group {
  const config = group.manager_config;
  const manager = config?.manager_agent_id;
  return {
    id: maps.groupIds.get(group.id) as string,
    manager_type: config?.manager_type ?? "round_robin",
    agent_ids: group.agent_ids.map((local) => maps.agentIds.get(local) as string),
    description: group.description ?? "",
    manager_agent_id: manager ? (maps.agentIds.get(manager) ?? null) : null,
    sleeptime_agent_frequency: config?.sleeptime_agent_frequency ?? null,
    turns_counter: 0,
    // The history came consolidated from the exporting server: sleep-time work starts after it.
    last_processed_message_id: manager ? (maps.lastMessage.get(manager) ?? null) : null,
    max_turns: config?.max_turns ?? null,
    termination_token: config?.termination_token ?? null,
    max_message_buffer_length: config?.max_message_buffer_length ?? null,
    min_message_buffer_length: config?.min_message_buffer_length ?? null,
    shared_block_ids: (group.shared_block_ids ?? []).map((local) => maps.blockIds.get(local)?.id as string),
    hidden: group.hidden ?? null,
    project_id: group.project_id ?? null,
  };
}

/**
 * The secrets an imported agent gets: the names its file lists (blank in an export; a value a file does
 * carry is kept), with the values the import request gives winning, and the given names added.
 */
function importedSecrets(agent: AgentFileAgent, options: ImportOptions): Record<string, string> {
  const fromFile = { ...(agent.tool_exec_environment_variables ?? {}), ...(agent.secrets ?? {}) };
  const named = Object.fromEntries(
    Object.entries(fromFile).map(([key, value]) => [key, typeof value === "string" ? value : ""]),
  );
  return { ...named, ...(options.secrets ?? {}) };
}

/**
 * How the file's MCP tools were bound: to the configured MCP server of the same name, or to none (the
 * tool then answers an error naming the server to add). MCP servers themselves are never imported:
 * their connection details (and secrets) are this server's operator's to give.
 */
async function mcpNotes(tx: Store, tools: readonly Tool[]): Promise<string[]> {
  const byServer = new Map<string, string[]>();
  for (const tool of tools) {
    if (tool.tool_type !== "external_mcp") continue;
    const server = serverNameOfTool(tool) ?? "(unnamed)";
    byServer.set(server, [...(byServer.get(server) ?? []), tool.name]);
  }
  const notes: string[] = [];
  for (const [server, names] of byServer) {
    const configured = server === "(unnamed)" ? undefined : await tx.mcpServers.getByName(server);
    notes.push(
      configured
        ? `MCP tool(s) ${names.join(", ")} use the configured MCP server '${server}'`
        : `MCP tool(s) ${names.join(", ")} need an MCP server named '${server}', which is not configured: they answer an error until one is added (POST /v1/mcp-servers/)`,
    );
  }
  return notes;
}

/** What the file holds that this server does not import, said plainly rather than dropped silently. */
function unsupportedNotes(file: AgentFile): string[] {
  const notes: string[] = [];
  const count = (list: readonly unknown[] | null | undefined) => list?.length ?? 0;
  if (count(file.skills) > 0) notes.push(`${count(file.skills)} skill(s) were not imported`);
  return notes;
}
