import type { Generated } from "kysely";

/**
 * The relational layout shared by both adapters (Kysely's view of it). Column encodings differ per
 * dialect and are handled by the dialect's codec:
 * - JSON columns (`Json`) are TEXT on SQLite and JSONB on PostgreSQL; written as JSON text.
 * - booleans (`Bool`) are INTEGER 0/1 on SQLite and BOOLEAN on PostgreSQL.
 * - timestamps (`Timestamp`) are ISO-8601 TEXT on SQLite and TIMESTAMPTZ on PostgreSQL.
 * Vectors and full-text indexes are not in this layout: each adapter keeps them its own way.
 */
export type Json = unknown;
export type Bool = boolean | number;
export type Timestamp = string | Date;

export interface AgentsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  name: string;
  agent_type: string;
  system: string;
  description: string | null;
  model: string | null;
  model_settings: Json | null;
  embedding: string | null;
  llm_config: Json;
  embedding_config: Json | null;
  compaction_settings: Json | null;
  context_window_limit: number | null;
  tool_rules: Json;
  tags: Json;
  metadata: Json | null;
  message_ids: Json;
  timezone: string | null;
  max_files_open: number | null;
  per_file_view_window_char_limit: number | null;
  message_buffer_autoclear: Bool;
  enable_sleeptime: Bool | null;
  hidden: Bool | null;
  response_format: Json | null;
  last_run_completion: Timestamp | null;
  last_run_duration_ms: number | null;
  last_stop_reason: string | null;
  project_id: string | null;
  template_id: string | null;
  base_template_id: string | null;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One row per (agent, tag): tag filters and `GET /v1/tags` run on it. */
export interface AgentTagsTable {
  agent_id: string;
  tag: string;
}

export interface BlocksTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  label: string;
  value: string;
  limit: number;
  description: string | null;
  read_only: Bool;
  hidden: Bool | null;
  metadata: Json;
  tags: Json;
  is_template: Bool;
  template_name: string | null;
  project_id: string | null;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Attachment of a block to an agent; `position` keeps the attach order. */
export interface BlocksAgentsTable {
  agent_id: string;
  block_id: string;
  position: number;
}

export interface BlockRevisionsTable {
  /** The owning organization: revisions outlive their block. */
  organization_id: string;
  id: string;
  block_id: string;
  seq: number;
  actor_type: string;
  actor_id: string | null;
  run_id: string | null;
  old_value: string | null;
  new_value: string;
  old_label: string | null;
  new_label: string;
  operation: string;
  target_seq: number | null;
  undo_seq: number | null;
  redo_seq: number | null;
  created_at: Timestamp;
}

export interface ToolsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  name: string;
  description: string | null;
  tool_type: string;
  source_type: string | null;
  source_code: string | null;
  json_schema: Json | null;
  args_json_schema: Json | null;
  tags: Json;
  return_char_limit: number;
  default_requires_approval: Bool | null;
  enable_parallel_execution: Bool | null;
  pip_requirements: Json | null;
  npm_requirements: Json | null;
  metadata: Json | null;
  project_id: string | null;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface McpServersTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  server_name: string;
  mcp_server_type: string;
  server_url: string | null;
  auth_header: string | null;
  command: string | null;
  args: Json | null;
  /** The secrets (token, headers, env) as JSON in one SecretBox envelope: never clear text. */
  secrets_sealed: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ToolsAgentsTable {
  agent_id: string;
  tool_id: string;
  position: number;
}

export interface MessagesTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  /** Monotonic position over the whole store (INTEGER PRIMARY KEY / BIGSERIAL). */
  sequence_id: Generated<number>;
  id: string;
  agent_id: string;
  conversation_id: string | null;
  role: string;
  content: Json;
  /** Plain text of the content, tool calls and returns: what full-text search indexes. */
  text: string;
  name: string | null;
  tool_calls: Json | null;
  tool_call_id: string | null;
  tool_returns: Json | null;
  approvals: Json | null;
  otid: string | null;
  sender_id: string | null;
  group_id: string | null;
  run_id: string | null;
  step_id: string | null;
  model: string | null;
  is_err: Bool | null;
  created_at: Timestamp;
  /** Dimension of the message's vector (its index); null when it has none. */
  embedding_dim: Generated<number | null>;
  /**
   * Which embedding model last processed the message (`embeddingModelKey`), also set when it had nothing
   * to embed; null until then. Messages whose key differs from the agent's model are due for embedding.
   */
  embedding_model: Generated<string | null>;
}

/**
 * How many messages each (agent, conversation) has, kept by triggers on `messages`, so the system
 * prompt's recall count is one lookup rather than a scan of the agent's history.
 */
export interface MessageCountsTable {
  agent_id: string;
  /** The conversation id, or '' for the agent's default conversation. */
  conversation_key: string;
  count: number;
}

export interface ArchivesTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  name: string;
  description: string | null;
  embedding_config: Json | null;
  metadata: Json | null;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ArchivesAgentsTable {
  agent_id: string;
  archive_id: string;
  is_owner: Bool;
}

export interface PassagesTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  /** Integer row id: the key of the vector and full-text indexes. */
  rowid: Generated<number>;
  id: string;
  text: string;
  archive_id: string | null;
  source_id: string | null;
  file_id: string | null;
  file_name: string | null;
  tags: Json;
  metadata: Json | null;
  /** The embedding's dimension, or null when the passage has none (text search only). */
  embedding_dim: number | null;
  embedding_config: Json | null;
  is_deleted: Bool;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One row per (passage, tag), so tag filters run in SQL before the limit. */
export interface PassageTagsTable {
  passage_id: string;
  archive_id: string | null;
  tag: string;
}

export interface RunsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  agent_id: string;
  conversation_id: string | null;
  status: string;
  stop_reason: string | null;
  background: Bool | null;
  run_type: string;
  request_config: Json | null;
  metadata: Json | null;
  callback_url: string | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
  total_duration_ns: number | null;
  ttft_ns: number | null;
}

export interface StepsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  agent_id: string;
  run_id: string;
  status: string;
  model: string | null;
  model_handle: string | null;
  model_endpoint: string | null;
  provider_name: string | null;
  provider_category: string | null;
  context_window_limit: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_input_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  stop_reason: string | null;
  error_type: string | null;
  error_data: Json | null;
  feedback: string | null;
  tags: Json;
  trace_id: string | null;
  created_at: Timestamp;
}

export interface ConversationsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  agent_id: string;
  description: string | null;
  summary: string | null;
  archived: Bool;
  archived_at: Timestamp | null;
  hidden: Bool;
  model: string | null;
  model_settings: Json | null;
  context_window_limit: number | null;
  in_context_message_ids: Json;
  isolated_block_ids: Json;
  last_message_at: Timestamp | null;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdentitiesTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  identifier_key: string;
  name: string;
  identity_type: string;
  project_id: string | null;
  properties: Json;
  created_at: Timestamp;
}

export interface IdentitiesAgentsTable {
  agent_id: string;
  identity_id: string;
}

export interface IdentitiesBlocksTable {
  block_id: string;
  identity_id: string;
}

export interface GroupsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  manager_type: string;
  description: string;
  manager_agent_id: string | null;
  sleeptime_agent_frequency: number | null;
  turns_counter: number | null;
  last_processed_message_id: string | null;
  max_turns: number | null;
  termination_token: string | null;
  max_message_buffer_length: number | null;
  min_message_buffer_length: number | null;
  shared_block_ids: Json;
  hidden: Bool | null;
  project_id: string | null;
  created_at: Timestamp;
}

export interface GroupsAgentsTable {
  group_id: string;
  agent_id: string;
  position: number;
}

export interface JobsTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  kind: string;
  payload: Json;
  status: string;
  /** Set only while queued or running; a unique index then allows one active job per key. */
  concurrency_key: string | null;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_after: Timestamp;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  last_error: string | null;
  result: Json | null;
  progress: Json | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface SourcesTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  name: string;
  description: string | null;
  instructions: string | null;
  metadata: Json | null;
  embedding_config: Json | null;
  created_by_id: string | null;
  last_updated_by_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SourcesAgentsTable {
  agent_id: string;
  source_id: string;
  created_at: Timestamp;
}

export interface FilesTable {
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  id: string;
  source_id: string;
  file_name: string;
  original_file_name: string | null;
  file_path: string | null;
  file_type: string | null;
  file_size: number | null;
  file_creation_date: string | null;
  file_last_modified_date: string | null;
  processing_status: string;
  error_message: string | null;
  total_chunks: number | null;
  chunks_embedded: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The uploaded bytes of a file and, once parsed, its text. */
export interface FileContentsTable {
  file_id: string;
  raw: Uint8Array;
  text: string | null;
}

export interface FilesAgentsTable {
  agent_id: string;
  file_id: string;
  source_id: string;
  file_name: string;
  is_open: Bool;
  visible_content: string | null;
  start_line: number | null;
  end_line: number | null;
  last_accessed_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Tenants: every API key, and every row of a tenant table, belongs to one. */
export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  prefix: string;
  hash: string;
  is_admin: Bool;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

/** An agent's secret (tool environment variable); `value_enc` is a sealed envelope, never clear text. */
export interface AgentSecretsTable {
  id: string;
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  agent_id: string;
  key: string;
  value_enc: string;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** An organization's own model provider; the keys are sealed envelopes, never clear text. */
export interface ProvidersTable {
  id: string;
  /** The owning organization (see `tenancy.ts`). */
  organization_id: string;
  name: string;
  provider_type: string;
  api_key_enc: string | null;
  base_url: string | null;
  access_key_enc: string | null;
  region: string | null;
  api_version: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** When a provider's model list was last re-read (one row per refreshed provider). */
export interface ProviderSyncsTable {
  provider_id: string;
  organization_id: string;
  synced_at: Timestamp;
}

/** Applied migrations, one row per migration name. */
export interface MigrationsTable {
  name: string;
  applied_at: Timestamp;
}

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  agents: AgentsTable;
  agent_tags: AgentTagsTable;
  blocks: BlocksTable;
  blocks_agents: BlocksAgentsTable;
  block_revisions: BlockRevisionsTable;
  tools: ToolsTable;
  tools_agents: ToolsAgentsTable;
  mcp_servers: McpServersTable;
  messages: MessagesTable;
  message_counts: MessageCountsTable;
  archives: ArchivesTable;
  archives_agents: ArchivesAgentsTable;
  passages: PassagesTable;
  passage_tags: PassageTagsTable;
  runs: RunsTable;
  steps: StepsTable;
  conversations: ConversationsTable;
  identities: IdentitiesTable;
  identities_agents: IdentitiesAgentsTable;
  identities_blocks: IdentitiesBlocksTable;
  groups: GroupsTable;
  groups_agents: GroupsAgentsTable;
  jobs: JobsTable;
  sources: SourcesTable;
  sources_agents: SourcesAgentsTable;
  files: FilesTable;
  file_contents: FileContentsTable;
  files_agents: FilesAgentsTable;
  agent_secrets: AgentSecretsTable;
  providers: ProvidersTable;
  provider_syncs: ProviderSyncsTable;
  reverie_migrations: MigrationsTable;
}
