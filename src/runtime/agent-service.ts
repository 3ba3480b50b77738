import {
  type AgentRecord,
  type AgentState,
  type Clock,
  type CreateAgent,
  type IdGenerator,
  isoNow,
  type Metadata,
  notFound,
  type UpdateAgent,
} from "../domain/index.js";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { Embedder } from "../llm/providers/embeddings.js";
import type { AgentListQuery, Store, TagListQuery } from "../store/store.js";
import {
  replaceBlocks,
  replaceIdentities,
  replaceTools,
  requireBlocks,
  requireIdentities,
  requireMessages,
  requireTools,
} from "./agent-attachments.js";
import { loadContextWindow } from "./agent-loop/context-window.js";
import { generateAgentName } from "./agent-names.js";
import { buildAgentState } from "./agent-state.js";
import { assertUniqueLabels, newBlock, USER_ACTOR } from "./block-records.js";
import { replaceFolders } from "./files/folder-attachments.js";
import { initialMessages } from "./initial-messages.js";
import {
  chooseEmbeddingForCreate,
  chooseEmbeddingForUpdate,
  chooseLlmForCreate,
  chooseLlmForUpdate,
} from "./model-selection.js";
import { embeddingModelChanged, enqueueReembed } from "./reembed/reembed-job.js";
import { replaceAgentSecrets, requestedSecrets, validateSecrets } from "./secrets/agent-secrets.js";
import type { SecretBox } from "./secrets/secret-box.js";
import {
  disableSleeptime,
  enableSleeptime,
  managedSleeptimeGroup,
  removeSleeptimeGroupsOf,
  syncSleeptimeBlocks,
} from "./sleeptime/sleeptime-agents.js";
import { defaultSystemPrompt } from "./system-prompt.js";
import { requireBaseTools } from "./tools/base-tools.js";
import { baseToolRules, defaultToolNames, includesBaseToolRules } from "./tools/builtin-schemas.js";
import { MULTI_AGENT_TOOLS } from "./tools/multi-agent/multi-agent-tools.js";

/** Dependencies of the agent service. */
export interface AgentServiceDeps {
  store: Store;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  /** When set, changing an agent's embedding model re-embeds its memory in the background. */
  embedder?: Embedder | undefined;
  /** Seals the agents' secrets before they are stored. */
  secretBox: SecretBox;
}

/** Agents: create, list, read, modify, delete; every write is one transaction. */
export interface AgentService {
  create(input: CreateAgent): Promise<AgentState>;
  list(query: AgentListQuery): Promise<AgentState[]>;
  count(query?: AgentListQuery): Promise<number>;
  /** The full AgentState; 404 if unknown. */
  get(agentId: string): Promise<AgentState>;
  update(agentId: string, patch: UpdateAgent): Promise<AgentState>;
  delete(agentId: string): Promise<void>;
  listTags(query: TagListQuery): Promise<string[]>;
}

/** Columns a PATCH copies as given (null clears them). */
const NULLABLE_FIELDS = [
  "description",
  "model_settings",
  "compaction_settings",
  "context_window_limit",
  "metadata",
  "timezone",
  "max_files_open",
  "per_file_view_window_char_limit",
  "enable_sleeptime",
  "hidden",
  "response_format",
  "project_id",
  "template_id",
  "base_template_id",
  "last_run_completion",
  "last_run_duration_ms",
  "last_stop_reason",
] as const satisfies ReadonlyArray<keyof UpdateAgent & keyof AgentRecord>;

/** Columns a PATCH copies unless null (they cannot be cleared). */
const REQUIRED_FIELDS = ["name", "system", "message_buffer_autoclear"] as const satisfies ReadonlyArray<
  keyof UpdateAgent & keyof AgentRecord
>;

type AgentPatch = Partial<Omit<AgentRecord, "id" | "created_at">>;

/** The `response_format` inside Letta's `model_settings` (null clears it), if the settings name one. */
function responseFormatIn(settings: Metadata | null | undefined): Metadata | null | undefined {
  if (!settings || !("response_format" in settings)) return undefined;
  const format = settings.response_format;
  if (format === null) return null;
  return typeof format === "object" && !Array.isArray(format) ? (format as Metadata) : undefined;
}

/** Builds the agent service over its dependencies. */
export function createAgentService(deps: AgentServiceDeps): AgentService {
  const { store, models, clock, ids } = deps;

  async function get(agentId: string, from: Store = store): Promise<AgentState> {
    const agent = await from.agents.get(agentId);
    if (agent === undefined) throw notFound("Agent", agentId);
    return buildAgentState(from, agent);
  }

  return {
    get: (agentId) => get(agentId),

    async create(input) {
      const secrets = requestedSecrets(input);
      if (secrets !== undefined) validateSecrets(secrets);
      // Model resolution may ask a local server for its models: done before the transaction opens.
      const llm = await chooseLlmForCreate(models, input);
      const embedding = await chooseEmbeddingForCreate(models, input);
      const id = ids.next("agent");
      const now = isoNow(clock);
      const agentType = input.agent_type ?? "letta_v1_agent";
      const newBlocks = (input.memory_blocks ?? []).map((block) => newBlock(block, { ids, clock }));
      const record: AgentRecord = {
        id,
        name: input.name ?? generateAgentName(id),
        agent_type: agentType,
        system: input.system ?? defaultSystemPrompt(agentType),
        description: input.description ?? null,
        ...llm,
        model_settings: input.model_settings ?? null,
        ...embedding,
        compaction_settings: input.compaction_settings ?? null,
        context_window_limit: input.context_window_limit ?? null,
        tool_rules: input.tool_rules ?? [],
        tags: [...new Set(input.tags ?? [])],
        metadata: input.metadata ?? null,
        message_ids: [],
        timezone: input.timezone ?? "UTC",
        max_files_open: input.max_files_open ?? null,
        per_file_view_window_char_limit: input.per_file_view_window_char_limit ?? null,
        message_buffer_autoclear: input.message_buffer_autoclear ?? false,
        enable_sleeptime: input.enable_sleeptime ?? false,
        hidden: input.hidden ?? null,
        response_format: input.response_format ?? responseFormatIn(input.model_settings) ?? null,
        last_run_completion: null,
        last_run_duration_ms: null,
        last_stop_reason: null,
        project_id: input.project_id ?? null,
        template_id: input.template_id ?? null,
        base_template_id: input.base_template_id ?? null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: now,
        updated_at: now,
      };
      return store.transaction(async (tx) => {
        const existingBlocks = await requireBlocks(tx, input.block_ids ?? []);
        const baseTools =
          input.include_base_tools === false
            ? []
            : await requireBaseTools(
                tx,
                defaultToolNames(agentType, { enableSleeptime: input.enable_sleeptime ?? false }),
                { clock, ids },
              );
        // As in Letta, `include_multi_agent_tools` adds the agent-to-agent tools by name.
        const named = [...(input.tools ?? []), ...(input.include_multi_agent_tools ? MULTI_AGENT_TOOLS : [])];
        const tools = [
          ...baseTools,
          ...(await requireTools(tx, named, input.tool_ids ?? [], { clock, ids })),
        ];
        if (includesBaseToolRules(agentType, input.include_base_tool_rules)) {
          record.tool_rules = [
            ...record.tool_rules,
            ...baseToolRules(
              tools.map((tool) => tool.name),
              record.tool_rules,
            ),
          ];
        }
        const identityIds = await requireIdentities(tx, input.identity_ids ?? []);
        assertUniqueLabels([...newBlocks, ...existingBlocks]);
        await tx.agents.create(record);
        for (const block of newBlocks) await tx.blocks.create(block, USER_ACTOR);
        await replaceBlocks(tx, id, [...newBlocks, ...existingBlocks]);
        await replaceTools(tx, id, tools);
        await replaceIdentities(tx, id, identityIds);
        if (secrets !== undefined) await replaceAgentSecrets(tx, deps.secretBox, id, secrets);
        // `source_ids` is the deprecated name of `folder_ids`.
        const folderIds = input.folder_ids ?? input.source_ids ?? [];
        if (folderIds.length > 0) await replaceFolders(tx, record, folderIds, now);
        // As in Letta, a new agent's window starts with its compiled system message.
        const window = await loadContextWindow(tx, record, { kind: "agent", agentId: id }, { clock, ids });
        const initial = initialMessages(input.initial_message_sequence ?? [], record, now, ids);
        if (initial.length > 0) {
          const stored = await tx.messages.append(initial);
          const windowIds = [...window.messages, ...stored].map((message) => message.id);
          await tx.agents.update(id, { message_ids: windowIds });
        }
        if (record.enable_sleeptime) await enableSleeptime(tx, record, { clock, ids });
        return get(id, tx);
      });
    },

    async list(query) {
      const agents = await store.agents.list(query);
      return Promise.all(agents.map((agent) => buildAgentState(store, agent)));
    },

    count: (query) => store.agents.count(query),

    async update(agentId, patch) {
      const secrets = requestedSecrets(patch);
      if (secrets !== undefined) validateSecrets(secrets);
      const current = await store.agents.get(agentId);
      if (current === undefined) throw notFound("Agent", agentId);
      const llm = await chooseLlmForUpdate(models, current, patch);
      const embedding = await chooseEmbeddingForUpdate(models, current, patch);

      const fields: AgentPatch = { ...llm, ...embedding };
      const writable = fields as Record<string, unknown>;
      for (const key of NULLABLE_FIELDS) if (patch[key] !== undefined) writable[key] = patch[key];
      for (const key of REQUIRED_FIELDS) if (patch[key] != null) writable[key] = patch[key];
      // Letta's model settings carry the response format too; the top-level field wins when both are sent.
      const settingsFormat = responseFormatIn(patch.model_settings);
      if (patch.response_format === undefined && settingsFormat !== undefined)
        fields.response_format = settingsFormat;
      if (patch.tags != null) fields.tags = [...new Set(patch.tags)];
      if (patch.tool_rules != null) fields.tool_rules = patch.tool_rules;
      if (patch.message_ids != null) fields.message_ids = patch.message_ids;

      return store.transaction(async (tx) => {
        if (patch.message_ids != null) await requireMessages(tx, patch.message_ids);
        if (patch.block_ids != null) {
          await replaceBlocks(tx, agentId, await requireBlocks(tx, patch.block_ids));
          await syncSleeptimeBlocks(tx, agentId);
        }
        if (patch.tool_ids != null)
          await replaceTools(tx, agentId, await requireTools(tx, [], patch.tool_ids, { clock, ids }));
        if (patch.identity_ids != null) {
          await replaceIdentities(tx, agentId, await requireIdentities(tx, patch.identity_ids));
        }
        const updated = await tx.agents.update(agentId, fields);
        if (updated === undefined) throw notFound("Agent", agentId);
        if (secrets !== undefined) await replaceAgentSecrets(tx, deps.secretBox, agentId, secrets);
        const folderIds = patch.folder_ids ?? patch.source_ids;
        if (folderIds != null) await replaceFolders(tx, updated, folderIds, isoNow(clock));
        if (deps.embedder && embeddingModelChanged(current.embedding_config, updated.embedding_config)) {
          await enqueueReembed(tx, deps, agentId);
        }
        if (patch.enable_sleeptime === true) await enableSleeptime(tx, updated, { clock, ids });
        if (patch.enable_sleeptime === false) {
          const group = await managedSleeptimeGroup(tx, agentId);
          if (group) await disableSleeptime(tx, group, { clock });
        }
        return buildAgentState(tx, updated);
      });
    },

    async delete(agentId) {
      await store.transaction(async (tx) => {
        if (!(await tx.agents.get(agentId))) throw notFound("Agent", agentId);
        // A primary takes its sleep-time agent with it; a deleted sleep-time agent ends the pairing
        // (and is deleted with it).
        await removeSleeptimeGroupsOf(tx, agentId, { clock });
        await tx.agents.delete(agentId);
      });
    },

    listTags: (query) => store.agents.listTags(query),
  };
}
