import { z } from "zod";
import { BlockSchema, CreateBlockSchema } from "./block.js";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { GroupSchema } from "./group.js";
import { IdentitySchema } from "./identity.js";
import { EmbeddingConfigSchema, LlmConfigSchema } from "./llm-config.js";
import { pageQuerySchema, queryArray, queryBoolean } from "./query-params.js";
import { ToolSchema } from "./tool.js";
import { ToolRuleSchema } from "./tool-rule.js";

export const AgentTypeSchema = z.enum([
  "letta_v1_agent",
  "memgpt_agent",
  "memgpt_v2_agent",
  "react_agent",
  "workflow_agent",
  "split_thread_agent",
  "sleeptime_agent",
  "voice_convo_agent",
  "voice_sleeptime_agent",
]);
export type AgentType = z.infer<typeof AgentTypeSchema>;

export const CompactionSettingsSchema = z
  .object({
    model: z.string().nullable().optional(),
    model_settings: MetadataSchema.nullable().optional(),
    prompt: z.string().nullable().optional(),
    prompt_acknowledgement: z.boolean().nullable().optional(),
    clip_chars: z.number().int().nullable().optional(),
    mode: z.string().nullable().optional(),
    sliding_window_percentage: z.number().nullable().optional(),
  })
  .loose();

/** An agent as the store keeps it: its own columns, without the related rows (blocks, tools...). */
export const AgentRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  agent_type: AgentTypeSchema,
  system: z.string(),
  description: z.string().nullable(),
  model: z.string().nullable(),
  model_settings: MetadataSchema.nullable(),
  embedding: z.string().nullable(),
  llm_config: LlmConfigSchema,
  embedding_config: EmbeddingConfigSchema.nullable(),
  compaction_settings: CompactionSettingsSchema.nullable(),
  context_window_limit: z.number().int().nullable(),
  tool_rules: z.array(ToolRuleSchema),
  tags: z.array(z.string()),
  metadata: MetadataSchema.nullable(),
  /** The in-context window of the default conversation: the system message first. */
  message_ids: z.array(z.string()),
  timezone: z.string().nullable(),
  max_files_open: z.number().int().nullable(),
  per_file_view_window_char_limit: z.number().int().nullable(),
  message_buffer_autoclear: z.boolean(),
  enable_sleeptime: z.boolean().nullable(),
  hidden: z.boolean().nullable(),
  response_format: MetadataSchema.nullable(),
  last_run_completion: TimestampSchema.nullable(),
  last_run_duration_ms: z.number().int().nullable(),
  last_stop_reason: z.string().nullable(),
  project_id: z.string().nullable(),
  template_id: z.string().nullable(),
  base_template_id: z.string().nullable(),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type AgentRecord = z.infer<typeof AgentRecordSchema>;

/** Letta's deprecated `memory` field, still typed as required by the clients. */
export const MemorySchema = z.object({
  agent_type: AgentTypeSchema.nullable(),
  blocks: z.array(BlockSchema),
  file_blocks: z.array(z.unknown()),
  git_enabled: z.boolean(),
  prompt_template: z.string().nullable(),
});

/** Letta's AgentEnvironmentVariable: one secret of an agent, its value always masked by the API. */
export const AgentEnvironmentVariableSchema = z.object({
  id: z.string(),
  key: z.string(),
  value: z.string(),
  description: z.string().nullable(),
  agent_id: z.string(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type AgentEnvironmentVariable = z.infer<typeof AgentEnvironmentVariableSchema>;

/** Letta's AgentState: the agent with its blocks, tools, sources and the deprecated fields clients read. */
export const AgentStateSchema = AgentRecordSchema.extend({
  blocks: z.array(BlockSchema),
  tools: z.array(ToolSchema),
  memory: MemorySchema,
  sources: z.array(z.unknown()),
  identities: z.array(IdentitySchema),
  identity_ids: z.array(z.string()),
  managed_group: GroupSchema.nullable(),
  multi_agent_group: GroupSchema.nullable(),
  pending_approval: z.unknown().nullable(),
  secrets: z.array(AgentEnvironmentVariableSchema),
  tool_exec_environment_variables: z.array(AgentEnvironmentVariableSchema),
});
export type AgentState = z.infer<typeof AgentStateSchema>;

const nullableString = z.string().nullable().optional();

/** Body of `POST /v1/agents/`; unknown fields are tolerated (the clients send many). */
export const CreateAgentSchema = z.object({
  name: z.string().min(1).max(256).optional(),
  agent_type: AgentTypeSchema.optional(),
  system: nullableString,
  description: nullableString,
  model: nullableString,
  model_settings: MetadataSchema.nullable().optional(),
  embedding: nullableString,
  llm_config: LlmConfigSchema.nullable().optional(),
  embedding_config: EmbeddingConfigSchema.nullable().optional(),
  context_window_limit: z.number().int().positive().nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  embedding_chunk_size: z.number().int().positive().nullable().optional(),
  memory_blocks: z.array(CreateBlockSchema).nullable().optional(),
  block_ids: z.array(z.string()).nullable().optional(),
  tools: z.array(z.string()).nullable().optional(),
  tool_ids: z.array(z.string()).nullable().optional(),
  include_base_tools: z.boolean().optional(),
  include_base_tool_rules: z.boolean().nullable().optional(),
  include_multi_agent_tools: z.boolean().optional(),
  tool_rules: z.array(ToolRuleSchema).nullable().optional(),
  initial_message_sequence: z.array(z.unknown()).nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  metadata: MetadataSchema.nullable().optional(),
  secrets: z.record(z.string(), z.string()).nullable().optional(),
  tool_exec_environment_variables: z.record(z.string(), z.string()).nullable().optional(),
  folder_ids: z.array(z.string()).nullable().optional(),
  source_ids: z.array(z.string()).nullable().optional(),
  identity_ids: z.array(z.string()).nullable().optional(),
  enable_sleeptime: z.boolean().nullable().optional(),
  compaction_settings: CompactionSettingsSchema.nullable().optional(),
  response_format: MetadataSchema.nullable().optional(),
  timezone: nullableString,
  max_files_open: z.number().int().positive().nullable().optional(),
  per_file_view_window_char_limit: z.number().int().positive().nullable().optional(),
  message_buffer_autoclear: z.boolean().optional(),
  hidden: z.boolean().nullable().optional(),
  project_id: nullableString,
  template_id: nullableString,
  base_template_id: nullableString,
});
export type CreateAgent = z.infer<typeof CreateAgentSchema>;

/** Body of `PATCH /v1/agents/{id}`: every field optional. */
export const UpdateAgentSchema = CreateAgentSchema.omit({
  memory_blocks: true,
  tools: true,
  initial_message_sequence: true,
  include_base_tools: true,
  include_base_tool_rules: true,
  include_multi_agent_tools: true,
  agent_type: true,
}).extend({
  name: z.string().min(1).max(256).optional(),
  message_ids: z.array(z.string()).nullable().optional(),
  last_run_completion: TimestampSchema.nullable().optional(),
  last_run_duration_ms: z.number().int().nullable().optional(),
  last_stop_reason: z.string().nullable().optional(),
});
export type UpdateAgent = z.infer<typeof UpdateAgentSchema>;

/** `GET /v1/tags/` query: the distinct tags of all agents, alphabetical. */
export const ListTagsQuerySchema = pageQuerySchema({ order: "asc", limit: 50 }).extend({
  name: z.string().optional().describe("Case-insensitive substring of the tag"),
  query_text: z.string().optional().describe("Deprecated spelling of name"),
});

/** `include` of the agent routes: accepted for compatibility; the full agent is always returned. */
const AgentIncludeQuerySchema = queryArray()
  .optional()
  .describe("Accepted for compatibility (agent.tags, agent.tools...); the full agent is always returned");

/** The filters of `GET /v1/agents/` and `/v1/agents/count`. */
export const AgentFilterQuerySchema = z.object({
  name: z.string().optional().describe("Exact agent name"),
  tags: queryArray().optional().describe("Agents with any (or all, see match_all_tags) of these tags"),
  match_all_tags: queryBoolean().default(false),
  query_text: z.string().optional().describe("Case-insensitive substring of the name"),
  project_id: z.string().optional(),
  identity_id: z.string().optional(),
  last_stop_reason: z.string().optional(),
});

/** `GET /v1/agents/` query. */
export const ListAgentsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 })
  .extend(AgentFilterQuerySchema.shape)
  .extend({ include: AgentIncludeQuerySchema });

/** `GET /v1/agents/{id}` query. */
export const RetrieveAgentQuerySchema = z.object({ include: AgentIncludeQuerySchema });
