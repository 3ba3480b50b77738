import { AGENT_SECRETS_MIGRATION, PROVIDERS_MIGRATION } from "./migrations-secrets.js";
import { TENANCY_MIGRATION } from "./migrations-tenancy.js";

/** One schema change, applied once and recorded by name in `reverie_migrations`. */
export interface PostgresMigration {
  readonly name: string;
  /** Statements run in order, inside the migration transaction. */
  readonly statements: readonly string[];
}

/** Keys of the `(created_at, id)` paging indexes, one per listed table. */
const pagedTables = [
  "agents",
  "blocks",
  "tools",
  "archives",
  "passages",
  "runs",
  "steps",
  "conversations",
  "identities",
  "jobs",
] as const;

/**
 * The full-text column of messages and passages. A tsvector must stay under 1 MB, which a long text of
 * distinct words (a large tool output) exceeds and the insert would fail; indexing the first 100,000
 * characters keeps every tsvector well under the bound (worst case a few bytes per character).
 */
const TEXT_TSV = "TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', left(text, 100000))) STORED";

const initialSchema: readonly string[] = [
  `CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    agent_type TEXT NOT NULL,
    system TEXT NOT NULL,
    description TEXT,
    model TEXT,
    model_settings JSONB,
    embedding TEXT,
    llm_config JSONB NOT NULL,
    embedding_config JSONB,
    compaction_settings JSONB,
    context_window_limit INTEGER,
    tool_rules JSONB NOT NULL DEFAULT '[]',
    tags JSONB NOT NULL DEFAULT '[]',
    metadata JSONB,
    message_ids JSONB NOT NULL DEFAULT '[]',
    timezone TEXT,
    max_files_open INTEGER,
    per_file_view_window_char_limit INTEGER,
    message_buffer_autoclear BOOLEAN NOT NULL DEFAULT FALSE,
    enable_sleeptime BOOLEAN,
    hidden BOOLEAN,
    response_format JSONB,
    last_run_completion TIMESTAMPTZ,
    last_run_duration_ms BIGINT,
    last_stop_reason TEXT,
    project_id TEXT,
    template_id TEXT,
    base_template_id TEXT,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX agents_name_idx ON agents (name)",
  "CREATE INDEX agents_project_idx ON agents (project_id)",

  `CREATE TABLE agent_tags (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (agent_id, tag)
  )`,
  "CREATE INDEX agent_tags_tag_idx ON agent_tags (tag, agent_id)",

  `CREATE TABLE blocks (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    value TEXT NOT NULL,
    "limit" INTEGER NOT NULL,
    description TEXT,
    read_only BOOLEAN NOT NULL DEFAULT FALSE,
    hidden BOOLEAN,
    metadata JSONB NOT NULL DEFAULT '{}',
    tags JSONB NOT NULL DEFAULT '[]',
    is_template BOOLEAN NOT NULL DEFAULT FALSE,
    template_name TEXT,
    project_id TEXT,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX blocks_label_idx ON blocks (label)",

  `CREATE TABLE blocks_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    block_id TEXT NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (agent_id, block_id)
  )`,
  "CREATE INDEX blocks_agents_block_idx ON blocks_agents (block_id, agent_id)",

  // No foreign key to blocks: the history outlives a deleted block.
  `CREATE TABLE block_revisions (
    id TEXT PRIMARY KEY,
    block_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    run_id TEXT,
    old_value TEXT,
    new_value TEXT NOT NULL,
    old_label TEXT,
    new_label TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (block_id, seq)
  )`,

  `CREATE TABLE tools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    tool_type TEXT NOT NULL,
    source_type TEXT,
    source_code TEXT,
    json_schema JSONB,
    args_json_schema JSONB,
    tags JSONB NOT NULL DEFAULT '[]',
    return_char_limit INTEGER NOT NULL,
    default_requires_approval BOOLEAN,
    enable_parallel_execution BOOLEAN,
    pip_requirements JSONB,
    npm_requirements JSONB,
    metadata JSONB,
    project_id TEXT,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX tools_type_idx ON tools (tool_type)",

  `CREATE TABLE tools_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    tool_id TEXT NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (agent_id, tool_id)
  )`,
  "CREATE INDEX tools_agents_tool_idx ON tools_agents (tool_id)",

  // `conversation_id`, `run_id` and `step_id` carry no foreign key: a message is the record of what was
  // said and stays readable whatever happens to the run or conversation it belonged to.
  `CREATE TABLE messages (
    sequence_id BIGSERIAL NOT NULL UNIQUE,
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    conversation_id TEXT,
    role TEXT NOT NULL,
    content JSONB NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    name TEXT,
    tool_calls JSONB,
    tool_call_id TEXT,
    tool_returns JSONB,
    approvals JSONB,
    otid TEXT,
    sender_id TEXT,
    group_id TEXT,
    run_id TEXT,
    step_id TEXT,
    model TEXT,
    is_err BOOLEAN,
    created_at TIMESTAMPTZ NOT NULL,
    text_tsv ${TEXT_TSV}
  )`,
  "CREATE INDEX messages_agent_conversation_seq_idx ON messages (agent_id, conversation_id, sequence_id)",
  "CREATE INDEX messages_agent_seq_idx ON messages (agent_id, sequence_id)",
  "CREATE INDEX messages_run_idx ON messages (run_id) WHERE run_id IS NOT NULL",
  "CREATE INDEX messages_step_idx ON messages (step_id) WHERE step_id IS NOT NULL",
  "CREATE INDEX messages_text_tsv_idx ON messages USING gin (text_tsv)",

  `CREATE TABLE archives (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    embedding_config JSONB,
    metadata JSONB,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,

  `CREATE TABLE archives_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    archive_id TEXT NOT NULL REFERENCES archives (id) ON DELETE CASCADE,
    is_owner BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (agent_id, archive_id)
  )`,
  "CREATE INDEX archives_agents_archive_idx ON archives_agents (archive_id)",

  // `embedding` is an untyped vector so that several dimensions share the table; each dimension gets
  // its own partial HNSW expression index (see vector-index.ts), created when the first passage of that
  // dimension arrives.
  `CREATE TABLE passages (
    rowid BIGSERIAL NOT NULL UNIQUE,
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    archive_id TEXT REFERENCES archives (id) ON DELETE CASCADE,
    source_id TEXT,
    file_id TEXT,
    file_name TEXT,
    tags JSONB NOT NULL DEFAULT '[]',
    metadata JSONB,
    embedding vector,
    embedding_dim INTEGER,
    embedding_config JSONB,
    is_deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    text_tsv ${TEXT_TSV}
  )`,
  "CREATE INDEX passages_archive_created_idx ON passages (archive_id, created_at, id)",
  "CREATE INDEX passages_text_tsv_idx ON passages USING gin (text_tsv)",

  `CREATE TABLE passage_tags (
    passage_id TEXT NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    archive_id TEXT,
    tag TEXT NOT NULL,
    PRIMARY KEY (passage_id, tag)
  )`,
  "CREATE INDEX passage_tags_archive_tag_idx ON passage_tags (archive_id, tag)",
  "CREATE INDEX passage_tags_tag_idx ON passage_tags (tag, passage_id)",

  `CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    conversation_id TEXT,
    status TEXT NOT NULL,
    stop_reason TEXT,
    background BOOLEAN,
    run_type TEXT NOT NULL,
    request_config JSONB,
    metadata JSONB,
    callback_url TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    total_duration_ns BIGINT,
    ttft_ns BIGINT
  )`,
  "CREATE INDEX runs_agent_status_idx ON runs (agent_id, status)",
  "CREATE INDEX runs_status_idx ON runs (status)",
  "CREATE INDEX runs_conversation_idx ON runs (conversation_id) WHERE conversation_id IS NOT NULL",

  `CREATE TABLE steps (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    model TEXT,
    model_handle TEXT,
    model_endpoint TEXT,
    provider_name TEXT,
    provider_category TEXT,
    context_window_limit INTEGER,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens INTEGER,
    stop_reason TEXT,
    error_type TEXT,
    error_data JSONB,
    feedback TEXT,
    tags JSONB NOT NULL DEFAULT '[]',
    trace_id TEXT,
    created_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX steps_run_idx ON steps (run_id, created_at, id)",
  "CREATE INDEX steps_agent_idx ON steps (agent_id, created_at, id)",

  `CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    description TEXT,
    summary TEXT,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at TIMESTAMPTZ,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    model TEXT,
    model_settings JSONB,
    context_window_limit INTEGER,
    in_context_message_ids JSONB NOT NULL DEFAULT '[]',
    isolated_block_ids JSONB NOT NULL DEFAULT '[]',
    last_message_at TIMESTAMPTZ,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX conversations_agent_idx ON conversations (agent_id, created_at, id)",

  `CREATE TABLE identities (
    id TEXT PRIMARY KEY,
    identifier_key TEXT NOT NULL,
    name TEXT NOT NULL,
    identity_type TEXT NOT NULL,
    project_id TEXT,
    properties JSONB NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX identities_key_idx ON identities (identifier_key)",

  `CREATE TABLE identities_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, identity_id)
  )`,
  "CREATE INDEX identities_agents_identity_idx ON identities_agents (identity_id)",

  `CREATE TABLE identities_blocks (
    block_id TEXT NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    PRIMARY KEY (block_id, identity_id)
  )`,
  "CREATE INDEX identities_blocks_identity_idx ON identities_blocks (identity_id)",

  `CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    manager_type TEXT NOT NULL,
    description TEXT NOT NULL,
    manager_agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
    sleeptime_agent_frequency INTEGER,
    turns_counter INTEGER,
    last_processed_message_id TEXT,
    max_turns INTEGER,
    termination_token TEXT,
    max_message_buffer_length INTEGER,
    min_message_buffer_length INTEGER,
    shared_block_ids JSONB NOT NULL DEFAULT '[]',
    hidden BOOLEAN,
    project_id TEXT,
    created_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX groups_manager_idx ON groups (manager_agent_id) WHERE manager_agent_id IS NOT NULL",

  `CREATE TABLE groups_agents (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (group_id, agent_id)
  )`,
  "CREATE INDEX groups_agents_agent_idx ON groups_agents (agent_id)",

  `CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    concurrency_key TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 1,
    run_after TIMESTAMPTZ NOT NULL,
    lease_owner TEXT,
    lease_expires_at TIMESTAMPTZ,
    last_error TEXT,
    result JSONB,
    progress JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
  )`,
  "CREATE INDEX jobs_status_run_after_idx ON jobs (status, run_after)",
  "CREATE INDEX jobs_kind_status_idx ON jobs (kind, status)",
  `CREATE UNIQUE INDEX jobs_active_concurrency_key_idx ON jobs (concurrency_key)
    WHERE status IN ('queued', 'running')`,

  ...pagedTables.map((table) => `CREATE INDEX ${table}_created_id_idx ON ${table} (created_at, id)`),
];

/**
 * The recall count of the system prompt was a COUNT over the agent's whole history (about 14 ms at
 * 100,000 messages, twice per memory-editing turn): triggers keep it per (agent, conversation).
 * Inserts and deletes are counted per statement, from transition tables: a row-level trigger would
 * update one counter row once per deleted message, and deleting an agent with 100,000 messages took
 * over two minutes (each update of a row already updated in the transaction walks its version chain).
 */
const messageCounts: readonly string[] = [
  `CREATE TABLE message_counts (
    agent_id TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (agent_id, conversation_key)
  )`,
  `INSERT INTO message_counts (agent_id, conversation_key, count)
    SELECT agent_id, coalesce(conversation_id, ''), count(*) FROM messages
    GROUP BY agent_id, coalesce(conversation_id, '')`,
  `CREATE FUNCTION reverie_count_added_messages() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO message_counts (agent_id, conversation_key, count)
      SELECT agent_id, coalesce(conversation_id, ''), count(*) FROM added_messages
      GROUP BY agent_id, coalesce(conversation_id, '')
      ON CONFLICT (agent_id, conversation_key) DO UPDATE SET count = message_counts.count + excluded.count;
    RETURN NULL;
  END
  $$`,
  `CREATE FUNCTION reverie_count_removed_messages() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE message_counts SET count = message_counts.count - removed.count
      FROM (
        SELECT agent_id, coalesce(conversation_id, '') AS conversation_key, count(*) AS count
        FROM removed_messages GROUP BY agent_id, coalesce(conversation_id, '')
      ) AS removed
      WHERE message_counts.agent_id = removed.agent_id
        AND message_counts.conversation_key = removed.conversation_key;
    RETURN NULL;
  END
  $$`,
  `CREATE FUNCTION reverie_count_moved_message() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE message_counts SET count = count - 1
      WHERE agent_id = OLD.agent_id AND conversation_key = coalesce(OLD.conversation_id, '');
    INSERT INTO message_counts (agent_id, conversation_key, count)
      VALUES (NEW.agent_id, coalesce(NEW.conversation_id, ''), 1)
      ON CONFLICT (agent_id, conversation_key) DO UPDATE SET count = message_counts.count + 1;
    RETURN NULL;
  END
  $$`,
  `CREATE TRIGGER message_counts_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS added_messages
    FOR EACH STATEMENT EXECUTE FUNCTION reverie_count_added_messages()`,
  `CREATE TRIGGER message_counts_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS removed_messages
    FOR EACH STATEMENT EXECUTE FUNCTION reverie_count_removed_messages()`,
  // Messages never change owner today; should one, it is counted on its own.
  `CREATE TRIGGER message_counts_move AFTER UPDATE OF agent_id, conversation_id ON messages
    FOR EACH ROW WHEN (OLD.agent_id IS DISTINCT FROM NEW.agent_id
      OR OLD.conversation_id IS DISTINCT FROM NEW.conversation_id)
    EXECUTE FUNCTION reverie_count_moved_message()`,
];

/**
 * Folders (Letta's sources), their files with the uploaded bytes and parsed text (kept in the database so
 * an upload survives a restart before it is processed), and each agent's open files.
 */
const files: readonly string[] = [
  `CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    instructions TEXT,
    metadata JSONB,
    embedding_config JSONB,
    created_by_id TEXT,
    last_updated_by_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
  )`,
  "CREATE INDEX sources_created_id_idx ON sources (created_at, id)",
  `CREATE TABLE sources_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    source_id TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agent_id, source_id)
  )`,
  "CREATE INDEX sources_agents_source_idx ON sources_agents (source_id)",
  `CREATE TABLE files (
    id TEXT PRIMARY KEY,
    source_id TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    original_file_name TEXT,
    file_path TEXT,
    file_type TEXT,
    file_size BIGINT,
    file_creation_date TEXT,
    file_last_modified_date TEXT,
    processing_status TEXT NOT NULL,
    error_message TEXT,
    total_chunks INTEGER,
    chunks_embedded INTEGER,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (source_id, file_name)
  )`,
  "CREATE INDEX files_source_created_idx ON files (source_id, created_at, id)",
  `CREATE TABLE file_contents (
    file_id TEXT PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    raw BYTEA NOT NULL,
    text TEXT
  )`,
  `CREATE TABLE files_agents (
    agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    source_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    is_open BOOLEAN NOT NULL DEFAULT FALSE,
    visible_content TEXT,
    start_line INTEGER,
    end_line INTEGER,
    last_accessed_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agent_id, file_id)
  )`,
  "CREATE INDEX files_agents_file_idx ON files_agents (file_id)",
  "CREATE INDEX passages_file_idx ON passages (file_id)",
  "CREATE INDEX passages_source_idx ON passages (source_id)",
];

/**
 * Recall search by meaning: messages keep their vector in an untyped `embedding` column with one partial
 * HNSW index per dimension (created on demand, as for passages); `embedding_model` records which model
 * processed each message, so re-embedding finds what is left after a restart.
 */
const messageEmbeddings: readonly string[] = [
  "ALTER TABLE messages ADD COLUMN embedding vector, ADD COLUMN embedding_dim INTEGER, ADD COLUMN embedding_model TEXT",
  "CREATE INDEX messages_embedding_model_idx ON messages (agent_id, embedding_model, sequence_id)",
];

/**
 * Tag filters on archival search test `passages.tags` with `@>` (all) and `?|` (any), answered by this
 * GIN index; through `passage_tags` they took 200-500 ms at 1M passages. A plain CREATE INDEX blocks
 * writes to `passages` while it builds (seconds per million rows); that is acceptable at start-up, where
 * migrations run, and CONCURRENTLY cannot run inside the migration transaction.
 */
const passageTagsGin: readonly string[] = [
  "CREATE INDEX IF NOT EXISTS passages_tags_gin_idx ON passages USING gin (tags)",
];

/**
 * Block history operations: how each revision came about (restore, undo and redo write revisions too)
 * and the undo/redo stacks after it, so undo and redo read one revision instead of replaying the history.
 * Existing edits become undoable: the stack after each is its latest value change.
 */
const blockHistory: readonly string[] = [
  `ALTER TABLE block_revisions ADD COLUMN operation TEXT NOT NULL DEFAULT 'edit',
    ADD COLUMN target_seq INTEGER, ADD COLUMN undo_seq INTEGER, ADD COLUMN redo_seq INTEGER`,
  "UPDATE block_revisions SET operation = 'create' WHERE old_value IS NULL",
  `UPDATE block_revisions SET undo_seq = (
    SELECT max(earlier.seq) FROM block_revisions AS earlier
    WHERE earlier.block_id = block_revisions.block_id AND earlier.seq <= block_revisions.seq
      AND earlier.old_value IS NOT NULL
      AND (earlier.old_value <> earlier.new_value OR earlier.old_label <> earlier.new_label)
  )`,
];

/** A send that repeats a message's otid re-attaches to the run of the first one: found by this index. */
const messageOtid: readonly string[] = [
  "CREATE INDEX messages_otid_idx ON messages (agent_id, otid) WHERE otid IS NOT NULL",
];

/**
 * API keys: only the SHA-256 of a key is stored (looked up by it); each key belongs to one organization,
 * and the organization's keys go with it.
 */
const apiKeys: readonly string[] = [
  `CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL, prefix TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    is_admin BOOLEAN NOT NULL DEFAULT false, created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ, revoked_at TIMESTAMPTZ, last_used_at TIMESTAMPTZ
  )`,
  "CREATE INDEX api_keys_created_id_idx ON api_keys (created_at, id)",
  "CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, created_at, id)",
];

/** MCP servers an organization connects to; their token, headers and env are one sealed string. */
const mcpServers: readonly string[] = [
  `CREATE TABLE mcp_servers (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    server_name TEXT NOT NULL,
    mcp_server_type TEXT NOT NULL,
    server_url TEXT,
    auth_header TEXT,
    command TEXT,
    args JSONB,
    secrets_sealed TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT mcp_servers_organization_name_key UNIQUE (organization_id, server_name)
  )`,
  "CREATE INDEX mcp_servers_created_id_idx ON mcp_servers (organization_id, created_at, id)",
];

/** The PostgreSQL migrations, oldest first. Append only: never edit or reorder an applied one. */
export const postgresMigrations: readonly PostgresMigration[] = [
  { name: "0001_initial_schema", statements: initialSchema },
  { name: "0002_message_counts", statements: messageCounts },
  { name: "0003_files", statements: files },
  { name: "0004_message_embeddings", statements: messageEmbeddings },
  { name: "0005_passage_tags_gin", statements: passageTagsGin },
  TENANCY_MIGRATION,
  { name: "0007_api_keys", statements: apiKeys },
  { name: "0015_block_history", statements: blockHistory },
  { name: "0016_message_otid", statements: messageOtid },
  // When a provider's model list was last re-read (`PATCH /v1/providers/{id}/refresh`). A table of its
  // own, not a column of `providers`: this number sorts before the migration that creates that table.
  {
    name: "0030_provider_syncs",
    statements: [
      `CREATE TABLE provider_syncs (
        provider_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, synced_at TIMESTAMPTZ NOT NULL
      )`,
    ],
  },
  AGENT_SECRETS_MIGRATION,
  PROVIDERS_MIGRATION,
  { name: "0050_mcp_servers", statements: mcpServers },
];
