import { z } from "zod";
import { CompactionSettingsSchema } from "./agent.js";
import { MetadataSchema } from "./common.js";
import { ManagerTypeSchema } from "./group.js";
import { EmbeddingConfigSchema, LlmConfigSchema } from "./llm-config.js";
import { ApprovalSchema } from "./message.js";
import { queryBoolean } from "./query-params.js";
import { ToolRuleSchema } from "./tool-rule.js";

// The Agent File (.af) format as Letta writes it (`letta/schemas/agent_file.py`). Every object is
// loose: files from other Letta versions carry fields we do not know, and they must still import.
// Fields we read are typed; the ones we only carry through are `unknown`.

const nullableString = z.string().nullish();
const nullableInt = z.number().int().nullish();
const nullableBool = z.boolean().nullish();
const stringList = z.array(z.string()).nullish();

/** One part of a message's content; unknown part types are kept here and filtered on import. */
export const AgentFileContentPartSchema = z.looseObject({ type: z.string() });

/**
 * Letta's ToolReturn inside a message; `func_response` is absent in older files, and a list of content
 * parts (text, images) in newer ones.
 */
export const AgentFileToolReturnSchema = z.looseObject({
  tool_call_id: nullableString,
  status: z.enum(["success", "error"]).nullish(),
  func_response: z.union([z.string(), z.array(z.unknown())]).nullish(),
  stdout: stringList,
  stderr: stringList,
});

/** A tool call in OpenAI form; `type` is optional in some exports. */
export const AgentFileToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const AgentFileMessageSchema = z.looseObject({
  id: z.string(),
  role: z.enum(["assistant", "user", "tool", "function", "system", "approval", "summary"]),
  content: z.union([z.string(), z.array(AgentFileContentPartSchema)]).nullish(),
  name: nullableString,
  otid: nullableString,
  sender_id: nullableString,
  group_id: nullableString,
  agent_id: nullableString,
  model: nullableString,
  tool_calls: z.array(AgentFileToolCallSchema).nullish(),
  tool_call_id: nullableString,
  tool_returns: z.array(AgentFileToolReturnSchema).nullish(),
  approvals: z.array(ApprovalSchema).nullish(),
  approve: nullableBool,
  approval_request_id: nullableString,
  denial_reason: nullableString,
  is_err: nullableBool,
  created_at: nullableString,
});
export type AgentFileMessage = z.infer<typeof AgentFileMessageSchema>;

export const AgentFileAgentSchema = z.looseObject({
  id: z.string(),
  name: z.string().min(1).max(256).nullish(),
  agent_type: nullableString,
  system: nullableString,
  description: nullableString,
  model: nullableString,
  embedding: nullableString,
  model_settings: MetadataSchema.nullish(),
  llm_config: LlmConfigSchema.nullish(),
  embedding_config: EmbeddingConfigSchema.nullish(),
  compaction_settings: CompactionSettingsSchema.nullish(),
  context_window_limit: z.number().int().positive().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  parallel_tool_calls: nullableBool,
  embedding_chunk_size: z.number().int().positive().nullish(),
  tool_ids: stringList,
  block_ids: stringList,
  source_ids: stringList,
  folder_ids: stringList,
  group_ids: stringList,
  tool_rules: z.array(ToolRuleSchema).nullish(),
  tags: stringList,
  metadata: MetadataSchema.nullish(),
  tool_exec_environment_variables: z.record(z.string(), z.unknown()).nullish(),
  secrets: z.record(z.string(), z.unknown()).nullish(),
  timezone: nullableString,
  max_files_open: z.number().int().positive().nullish(),
  per_file_view_window_char_limit: z.number().int().positive().nullish(),
  message_buffer_autoclear: nullableBool,
  enable_sleeptime: nullableBool,
  hidden: nullableBool,
  response_format: MetadataSchema.nullish(),
  project_id: nullableString,
  template_id: nullableString,
  base_template_id: nullableString,
  in_context_message_ids: stringList,
  messages: z.array(AgentFileMessageSchema).nullish(),
  files_agents: z.array(z.unknown()).nullish(),
});
export type AgentFileAgent = z.infer<typeof AgentFileAgentSchema>;

export const AgentFileBlockSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  value: z.string(),
  limit: z.number().int().positive().nullish(),
  description: nullableString,
  read_only: nullableBool,
  hidden: nullableBool,
  metadata: MetadataSchema.nullish(),
  tags: stringList,
  is_template: nullableBool,
  template_name: nullableString,
  project_id: nullableString,
});
export type AgentFileBlock = z.infer<typeof AgentFileBlockSchema>;

export const AgentFileToolSchema = z.looseObject({
  id: z.string(),
  name: nullableString,
  description: nullableString,
  tool_type: nullableString,
  source_type: nullableString,
  source_code: nullableString,
  json_schema: z.looseObject({ name: z.string().optional() }).nullish(),
  args_json_schema: z.record(z.string(), z.unknown()).nullish(),
  tags: stringList,
  return_char_limit: z.number().int().positive().nullish(),
  pip_requirements: z.array(z.record(z.string(), z.unknown())).nullish(),
  npm_requirements: z.array(z.record(z.string(), z.unknown())).nullish(),
  default_requires_approval: nullableBool,
  enable_parallel_execution: nullableBool,
  metadata_: MetadataSchema.nullish(),
  project_id: nullableString,
});
export type AgentFileTool = z.infer<typeof AgentFileToolSchema>;

export const AgentFileGroupSchema = z.looseObject({
  id: z.string(),
  agent_ids: z.array(z.string()),
  description: z.string().nullish(),
  manager_config: z
    .looseObject({
      manager_type: ManagerTypeSchema.default("round_robin"),
      manager_agent_id: nullableString,
      sleeptime_agent_frequency: nullableInt,
      max_turns: nullableInt,
      termination_token: nullableString,
      max_message_buffer_length: nullableInt,
      min_message_buffer_length: nullableInt,
    })
    .nullish(),
  shared_block_ids: stringList,
  hidden: nullableBool,
  project_id: nullableString,
});
export type AgentFileGroup = z.infer<typeof AgentFileGroupSchema>;

const LooseEntitySchema = z.looseObject({ id: z.string() });

/** A folder (Letta's source). */
export const AgentFileSourceSchema = z.looseObject({
  id: z.string(),
  name: z.string().min(1),
  description: nullableString,
  instructions: nullableString,
  metadata: MetadataSchema.nullish(),
  embedding_config: EmbeddingConfigSchema.nullish(),
});

/** A file of a folder, with its extracted text. */
export const AgentFileFileSchema = z.looseObject({
  id: z.string(),
  source_id: z.string(),
  file_name: nullableString,
  original_file_name: nullableString,
  file_type: nullableString,
  content: nullableString,
});

/** The v2 Agent File: every entity in its own list, referenced by file-local ids (`agent-0`, `block-1`...). */
export const AgentFileSchema = z.looseObject({
  agents: z.array(AgentFileAgentSchema).min(1, "the file contains no agent"),
  groups: z.array(AgentFileGroupSchema).nullish(),
  blocks: z.array(AgentFileBlockSchema).nullish(),
  files: z.array(AgentFileFileSchema).nullish(),
  sources: z.array(AgentFileSourceSchema).nullish(),
  tools: z.array(AgentFileToolSchema).nullish(),
  mcp_servers: z.array(LooseEntitySchema).nullish(),
  skills: z.array(z.looseObject({ name: z.string() })).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  created_at: nullableString,
});
export type AgentFile = z.infer<typeof AgentFileSchema>;

/** What export produces: the v2 file with every list present (the shape the route documents). */
export const ExportedAgentFileSchema = AgentFileSchema.extend({
  agents: z.array(AgentFileAgentSchema),
  groups: z.array(AgentFileGroupSchema),
  blocks: z.array(AgentFileBlockSchema),
  files: z.array(AgentFileFileSchema),
  sources: z.array(AgentFileSourceSchema),
  tools: z.array(AgentFileToolSchema),
  mcp_servers: z.array(LooseEntitySchema),
  skills: z.array(z.looseObject({ name: z.string() })),
  metadata: z.record(z.string(), z.string()),
  created_at: z.string(),
});
export type ExportedAgentFile = z.infer<typeof ExportedAgentFileSchema>;

// The legacy v1 file (`letta/serialize_schemas/pydantic_agent_schema.py`): one agent, memory and
// tools inline, the window given as indices into `messages`.

const LegacyBlockSchema = AgentFileBlockSchema.omit({ id: true }).extend({
  metadata_: MetadataSchema.nullish(),
});
const LegacyToolSchema = AgentFileToolSchema.omit({ id: true });
const LegacyMessageSchema = AgentFileMessageSchema.omit({ id: true });

export const LegacyAgentFileSchema = z.looseObject({
  name: z.string().min(1).max(256).nullish(),
  agent_type: nullableString,
  system: nullableString,
  description: nullableString,
  llm_config: LlmConfigSchema.nullish(),
  embedding_config: EmbeddingConfigSchema.nullish(),
  core_memory: z.array(LegacyBlockSchema),
  tools: z.array(LegacyToolSchema).nullish(),
  tool_rules: z.array(ToolRuleSchema).nullish(),
  tags: z.array(z.union([z.string(), z.looseObject({ tag: z.string() })])).nullish(),
  messages: z.array(LegacyMessageSchema).nullish(),
  in_context_message_indices: z.array(z.number().int().nonnegative()).nullish(),
  message_buffer_autoclear: nullableBool,
  metadata_: MetadataSchema.nullish(),
  tool_exec_environment_variables: z.array(z.looseObject({ key: z.string() })).nullish(),
  version: nullableString,
  created_at: nullableString,
});
export type LegacyAgentFile = z.infer<typeof LegacyAgentFileSchema>;

/** `GET /v1/agents/{id}/export` query. */
export const ExportAgentQuerySchema = z.object({
  conversation_id: z.string().optional().describe("Export this conversation's messages instead"),
  scrub_messages: queryBoolean().default(false).describe("Leave every message out"),
  include_history: queryBoolean()
    .default(false)
    .describe("Export the whole message history, not only the in-context window (Reverie extension)"),
  use_legacy_format: queryBoolean().default(false).describe("Deprecated; only v2 is written"),
  max_steps: z.string().optional().describe("Deprecated and ignored"),
});

/** A skill letta-code sends to be carried in the export. */
const ExportSkillSchema = z.looseObject({
  name: z.string(),
  files: z.record(z.string(), z.string()).nullish(),
  source_url: z.string().nullish(),
});

/** `POST /v1/agents/{id}/export` body. */
export const ExportAgentRequestSchema = z
  .object({
    skills: z.array(ExportSkillSchema).optional(),
    conversation_id: z.string().nullish(),
    scrub_messages: z.boolean().optional(),
    include_history: z.boolean().optional().describe("Reverie extension: the whole history"),
  })
  .nullable();

/** The text fields of Letta's `Body_import_agent` (the file itself is read apart). */
export const ImportAgentFormSchema = z.object({
  override_existing_tools: z.stringbool().optional(),
  strip_messages: z.stringbool().optional(),
  secrets: z.string().optional(),
  name: z.string().min(1).max(256).optional(),
  model: z.string().optional(),
  embedding: z.string().optional(),
  append_copy_suffix: z.stringbool().optional(),
  override_name: z.string().min(1).max(256).optional(),
  override_embedding_handle: z.string().optional(),
  override_model_handle: z.string().optional(),
  project_id: z.string().optional(),
  env_vars_json: z.string().optional(),
});

/** The `secrets` (or `env_vars_json`) form field of an import: values for the secrets the file names. */
export const ImportSecretsSchema = z.record(z.string(), z.string());

/** `POST /v1/agents/import` answer: what an import created, and what it could not carry over. */
export const ImportedAgentsSchema = z.object({
  agent_ids: z.array(z.string()),
  /** What the file held that was not imported, or was changed to be (MCP servers, over-limit blocks...). */
  notes: z.array(z.string()),
  /** What will not work until the user acts: an agent whose model's provider is not configured. */
  warnings: z.array(z.string()),
});
export type ImportedAgents = z.output<typeof ImportedAgentsSchema>;
