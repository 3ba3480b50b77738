import { AGENT_SECRETS_MIGRATION, PROVIDERS_MIGRATION } from "./migrations-secrets.js";
import { TENANCY_MIGRATION } from "./migrations-tenancy.js";

/** A named schema change: its statements run in order, in the same write transaction as its record. */
export interface SqliteMigration {
  name: string;
  statements: readonly string[];
  /**
   * Run with foreign keys off, as SQLite's procedure for rebuilding a referenced table requires (dropping
   * it would otherwise cascade into the rows that reference it); every reference is checked before the
   * migration commits.
   */
  foreignKeysOff?: boolean;
}

/** Keeps an FTS5 external-content table in sync with its content table through triggers. */
function fullTextIndex(table: string, key: string): string[] {
  const fts = `${table}_fts`;
  return [
    `CREATE VIRTUAL TABLE ${fts} USING fts5(text, content='${table}', content_rowid='${key}', tokenize='porter unicode61 remove_diacritics 2')`,
    `CREATE TRIGGER ${fts}_insert AFTER INSERT ON ${table} BEGIN
       INSERT INTO ${fts}(rowid, text) VALUES (new.${key}, new.text);
     END`,
    `CREATE TRIGGER ${fts}_delete AFTER DELETE ON ${table} BEGIN
       INSERT INTO ${fts}(${fts}, rowid, text) VALUES ('delete', old.${key}, old.text);
     END`,
    `CREATE TRIGGER ${fts}_update AFTER UPDATE OF text ON ${table} BEGIN
       INSERT INTO ${fts}(${fts}, rowid, text) VALUES ('delete', old.${key}, old.text);
       INSERT INTO ${fts}(rowid, text) VALUES (new.${key}, new.text);
     END`,
  ];
}

const timestamps = "created_at TEXT NOT NULL, updated_at TEXT NOT NULL";

/**
 * The SQLite schema, oldest first. Never edit an applied migration: append a new one. Vector tables
 * (`passage_vec_<dim>`) are not here: they are created on demand, one per embedding dimension.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    name: "0001_initial",
    statements: [
      `CREATE TABLE agents (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, agent_type TEXT NOT NULL, system TEXT NOT NULL,
        description TEXT, model TEXT, model_settings TEXT, embedding TEXT, llm_config TEXT NOT NULL,
        embedding_config TEXT, compaction_settings TEXT, context_window_limit INTEGER,
        tool_rules TEXT NOT NULL DEFAULT '[]', tags TEXT NOT NULL DEFAULT '[]', metadata TEXT,
        message_ids TEXT NOT NULL DEFAULT '[]', timezone TEXT, max_files_open INTEGER,
        per_file_view_window_char_limit INTEGER, message_buffer_autoclear INTEGER NOT NULL DEFAULT 0,
        enable_sleeptime INTEGER, hidden INTEGER, response_format TEXT, last_run_completion TEXT,
        last_run_duration_ms INTEGER, last_stop_reason TEXT, project_id TEXT, template_id TEXT,
        base_template_id TEXT, created_by_id TEXT, last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX agents_created ON agents (created_at, id)",
      "CREATE INDEX agents_name ON agents (name)",
      `CREATE TABLE agent_tags (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE, tag TEXT NOT NULL,
        PRIMARY KEY (agent_id, tag)
      )`,
      "CREATE INDEX agent_tags_tag ON agent_tags (tag)",
      `CREATE TABLE blocks (
        id TEXT PRIMARY KEY, label TEXT NOT NULL, value TEXT NOT NULL, "limit" INTEGER NOT NULL,
        description TEXT, read_only INTEGER NOT NULL DEFAULT 0, hidden INTEGER, metadata TEXT NOT NULL DEFAULT '{}',
        tags TEXT NOT NULL DEFAULT '[]', is_template INTEGER NOT NULL DEFAULT 0, template_name TEXT,
        project_id TEXT, created_by_id TEXT, last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX blocks_created ON blocks (created_at, id)",
      `CREATE TABLE blocks_agents (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        block_id TEXT NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
        position INTEGER NOT NULL, PRIMARY KEY (agent_id, block_id)
      )`,
      "CREATE INDEX blocks_agents_block ON blocks_agents (block_id)",
      `CREATE TABLE block_revisions (
        id TEXT PRIMARY KEY, block_id TEXT NOT NULL, seq INTEGER NOT NULL, actor_type TEXT NOT NULL,
        actor_id TEXT, run_id TEXT, old_value TEXT, new_value TEXT NOT NULL, old_label TEXT,
        new_label TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (block_id, seq)
      )`,
      `CREATE TABLE tools (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT, tool_type TEXT NOT NULL,
        source_type TEXT, source_code TEXT, json_schema TEXT, args_json_schema TEXT,
        tags TEXT NOT NULL DEFAULT '[]', return_char_limit INTEGER NOT NULL, default_requires_approval INTEGER,
        enable_parallel_execution INTEGER, pip_requirements TEXT, npm_requirements TEXT, metadata TEXT,
        project_id TEXT, created_by_id TEXT, last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX tools_created ON tools (created_at, id)",
      `CREATE TABLE tools_agents (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        tool_id TEXT NOT NULL REFERENCES tools (id) ON DELETE CASCADE,
        position INTEGER NOT NULL, PRIMARY KEY (agent_id, tool_id)
      )`,
      "CREATE INDEX tools_agents_tool ON tools_agents (tool_id)",
      `CREATE TABLE messages (
        sequence_id INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, agent_id TEXT NOT NULL,
        conversation_id TEXT, role TEXT NOT NULL, content TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',
        name TEXT, tool_calls TEXT, tool_call_id TEXT, tool_returns TEXT, approvals TEXT, otid TEXT,
        sender_id TEXT, group_id TEXT, run_id TEXT, step_id TEXT, model TEXT, is_err INTEGER,
        created_at TEXT NOT NULL
      )`,
      "CREATE INDEX messages_agent ON messages (agent_id, conversation_id, sequence_id)",
      "CREATE INDEX messages_run ON messages (run_id)",
      ...fullTextIndex("messages", "sequence_id"),
      `CREATE TABLE archives (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT, embedding_config TEXT, metadata TEXT,
        created_by_id TEXT, last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX archives_created ON archives (created_at, id)",
      `CREATE TABLE archives_agents (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        archive_id TEXT NOT NULL REFERENCES archives (id) ON DELETE CASCADE,
        is_owner INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (agent_id, archive_id)
      )`,
      "CREATE INDEX archives_agents_archive ON archives_agents (archive_id)",
      // AUTOINCREMENT: a rowid is never reused, so a stale vector or FTS row can never match a new passage.
      `CREATE TABLE passages (
        rowid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, text TEXT NOT NULL,
        archive_id TEXT, source_id TEXT, file_id TEXT, file_name TEXT, tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT, embedding_dim INTEGER, embedding_config TEXT, is_deleted INTEGER NOT NULL DEFAULT 0,
        created_by_id TEXT, last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX passages_archive ON passages (archive_id, created_at, id)",
      "CREATE INDEX passages_dim ON passages (embedding_dim)",
      ...fullTextIndex("passages", "rowid"),
      `CREATE TABLE passage_tags (
        passage_id TEXT NOT NULL REFERENCES passages (id) ON DELETE CASCADE, archive_id TEXT,
        tag TEXT NOT NULL, PRIMARY KEY (passage_id, tag)
      )`,
      "CREATE INDEX passage_tags_archive_tag ON passage_tags (archive_id, tag)",
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, conversation_id TEXT, status TEXT NOT NULL,
        stop_reason TEXT, background INTEGER, run_type TEXT NOT NULL, request_config TEXT, metadata TEXT,
        callback_url TEXT, created_at TEXT NOT NULL, completed_at TEXT, total_duration_ns INTEGER, ttft_ns INTEGER
      )`,
      "CREATE INDEX runs_agent ON runs (agent_id, created_at, id)",
      "CREATE INDEX runs_status ON runs (status)",
      `CREATE TABLE steps (
        id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, status TEXT NOT NULL, model TEXT,
        model_handle TEXT, model_endpoint TEXT, provider_name TEXT, provider_category TEXT,
        context_window_limit INTEGER, prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0, total_tokens INTEGER NOT NULL DEFAULT 0,
        cached_input_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER, stop_reason TEXT,
        error_type TEXT, error_data TEXT, feedback TEXT, tags TEXT NOT NULL DEFAULT '[]', trace_id TEXT,
        created_at TEXT NOT NULL
      )`,
      "CREATE INDEX steps_run ON steps (run_id, created_at, id)",
      "CREATE INDEX steps_agent ON steps (agent_id, created_at, id)",
      `CREATE TABLE conversations (
        id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, description TEXT, summary TEXT,
        archived INTEGER NOT NULL DEFAULT 0, archived_at TEXT, hidden INTEGER NOT NULL DEFAULT 0, model TEXT,
        model_settings TEXT, context_window_limit INTEGER, in_context_message_ids TEXT NOT NULL DEFAULT '[]',
        isolated_block_ids TEXT NOT NULL DEFAULT '[]', last_message_at TEXT, created_by_id TEXT,
        last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX conversations_agent ON conversations (agent_id, created_at, id)",
      `CREATE TABLE identities (
        id TEXT PRIMARY KEY, identifier_key TEXT NOT NULL, name TEXT NOT NULL, identity_type TEXT NOT NULL,
        project_id TEXT, properties TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL
      )`,
      "CREATE INDEX identities_created ON identities (created_at, id)",
      `CREATE TABLE identities_agents (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
        PRIMARY KEY (agent_id, identity_id)
      )`,
      "CREATE INDEX identities_agents_identity ON identities_agents (identity_id)",
      `CREATE TABLE identities_blocks (
        block_id TEXT NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
        identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
        PRIMARY KEY (block_id, identity_id)
      )`,
      "CREATE INDEX identities_blocks_identity ON identities_blocks (identity_id)",
      `CREATE TABLE groups (
        id TEXT PRIMARY KEY, manager_type TEXT NOT NULL, description TEXT NOT NULL, manager_agent_id TEXT,
        sleeptime_agent_frequency INTEGER, turns_counter INTEGER, last_processed_message_id TEXT,
        max_turns INTEGER, termination_token TEXT, max_message_buffer_length INTEGER,
        min_message_buffer_length INTEGER, shared_block_ids TEXT NOT NULL DEFAULT '[]', hidden INTEGER,
        project_id TEXT, created_at TEXT NOT NULL
      )`,
      "CREATE INDEX groups_manager ON groups (manager_agent_id)",
      `CREATE TABLE groups_agents (
        group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        position INTEGER NOT NULL, PRIMARY KEY (group_id, agent_id)
      )`,
      "CREATE INDEX groups_agents_agent ON groups_agents (agent_id)",
      `CREATE TABLE jobs (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
        concurrency_key TEXT UNIQUE, priority INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL, run_after TEXT NOT NULL, lease_owner TEXT, lease_expires_at TEXT,
        last_error TEXT, result TEXT, progress TEXT, ${timestamps}, finished_at TEXT
      )`,
      "CREATE INDEX jobs_runnable ON jobs (status, kind, run_after)",
      "CREATE INDEX jobs_created ON jobs (created_at, id)",
    ],
  },
  {
    // The recall count of the system prompt was a COUNT over the agent's whole history (8 ms at
    // 100,000 messages, twice per memory-editing turn): triggers keep it per (agent, conversation).
    name: "0002_message_counts",
    statements: [
      `CREATE TABLE message_counts (
        agent_id TEXT NOT NULL, conversation_key TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (agent_id, conversation_key)
      ) WITHOUT ROWID`,
      `INSERT INTO message_counts (agent_id, conversation_key, count)
        SELECT agent_id, coalesce(conversation_id, ''), count(*) FROM messages
        GROUP BY agent_id, coalesce(conversation_id, '')`,
      `CREATE TRIGGER message_counts_insert AFTER INSERT ON messages BEGIN
         INSERT INTO message_counts (agent_id, conversation_key, count)
           VALUES (new.agent_id, coalesce(new.conversation_id, ''), 1)
           ON CONFLICT (agent_id, conversation_key) DO UPDATE SET count = count + 1;
       END`,
      `CREATE TRIGGER message_counts_delete AFTER DELETE ON messages BEGIN
         UPDATE message_counts SET count = count - 1
           WHERE agent_id = old.agent_id AND conversation_key = coalesce(old.conversation_id, '');
       END`,
      `CREATE TRIGGER message_counts_move AFTER UPDATE OF agent_id, conversation_id ON messages BEGIN
         UPDATE message_counts SET count = count - 1
           WHERE agent_id = old.agent_id AND conversation_key = coalesce(old.conversation_id, '');
         INSERT INTO message_counts (agent_id, conversation_key, count)
           VALUES (new.agent_id, coalesce(new.conversation_id, ''), 1)
           ON CONFLICT (agent_id, conversation_key) DO UPDATE SET count = count + 1;
       END`,
    ],
  },
  {
    // Folders (Letta's sources), their files with the uploaded bytes and parsed text (kept in the
    // database so an upload survives a restart before it is processed), and each agent's open files.
    name: "0003_files",
    statements: [
      `CREATE TABLE sources (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT, instructions TEXT, metadata TEXT,
        embedding_config TEXT, created_by_id TEXT, last_updated_by_id TEXT, ${timestamps}
      )`,
      "CREATE INDEX sources_created ON sources (created_at, id)",
      `CREATE TABLE sources_agents (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        source_id TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL, PRIMARY KEY (agent_id, source_id)
      )`,
      "CREATE INDEX sources_agents_source ON sources_agents (source_id)",
      `CREATE TABLE files (
        id TEXT PRIMARY KEY, source_id TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        file_name TEXT NOT NULL, original_file_name TEXT, file_path TEXT, file_type TEXT, file_size INTEGER,
        file_creation_date TEXT, file_last_modified_date TEXT, processing_status TEXT NOT NULL,
        error_message TEXT, total_chunks INTEGER, chunks_embedded INTEGER, ${timestamps},
        UNIQUE (source_id, file_name)
      )`,
      "CREATE INDEX files_source ON files (source_id, created_at, id)",
      `CREATE TABLE file_contents (
        file_id TEXT PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE, raw BLOB NOT NULL, text TEXT
      )`,
      `CREATE TABLE files_agents (
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
        source_id TEXT NOT NULL, file_name TEXT NOT NULL, is_open INTEGER NOT NULL DEFAULT 0,
        visible_content TEXT, start_line INTEGER, end_line INTEGER, last_accessed_at TEXT NOT NULL,
        ${timestamps}, PRIMARY KEY (agent_id, file_id)
      )`,
      "CREATE INDEX files_agents_file ON files_agents (file_id)",
      "CREATE INDEX passages_file ON passages (file_id)",
      "CREATE INDEX passages_source ON passages (source_id)",
    ],
  },
  {
    // Recall search by meaning: a message's vector lives in `message_vec_<dim>` (created on demand, like
    // `passage_vec_<dim>`), keyed by its sequence_id; `embedding_model` records which model processed it.
    name: "0004_message_embeddings",
    statements: [
      "ALTER TABLE messages ADD COLUMN embedding_dim INTEGER",
      "ALTER TABLE messages ADD COLUMN embedding_model TEXT",
      "CREATE INDEX messages_embedding_model ON messages (agent_id, embedding_model, sequence_id)",
    ],
  },
  {
    // Searches filter by `rowid IN (passages of these archives)`; covering that subquery with an index
    // makes it an index-only scan (6 ms instead of 80 ms over 100k passages), leaving the time to the
    // vector and full-text scans themselves.
    name: "0005_passage_search_scope",
    statements: ["CREATE INDEX passages_scope ON passages (archive_id, is_deleted, embedding_dim)"],
  },
  TENANCY_MIGRATION,
  {
    // API keys: only the SHA-256 of a key is stored (looked up by it); each key belongs to one
    // organization, and the organization's keys go with it.
    name: "0007_api_keys",
    statements: [
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name TEXT NOT NULL, prefix TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
        is_admin INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
        expires_at TEXT, revoked_at TEXT, last_used_at TEXT
      )`,
      "CREATE INDEX api_keys_created ON api_keys (created_at, id)",
      "CREATE INDEX api_keys_organization ON api_keys (organization_id, created_at, id)",
    ],
  },
  {
    // Block history operations: how each revision came about (restore, undo and redo write revisions
    // too) and the undo/redo stacks after it, so undo and redo read one revision instead of replaying
    // the history. Existing edits become undoable: the stack after each is its latest value change.
    name: "0015_block_history",
    statements: [
      "ALTER TABLE block_revisions ADD COLUMN operation TEXT NOT NULL DEFAULT 'edit'",
      "ALTER TABLE block_revisions ADD COLUMN target_seq INTEGER",
      "ALTER TABLE block_revisions ADD COLUMN undo_seq INTEGER",
      "ALTER TABLE block_revisions ADD COLUMN redo_seq INTEGER",
      "UPDATE block_revisions SET operation = 'create' WHERE old_value IS NULL",
      `UPDATE block_revisions SET undo_seq = (
        SELECT max(earlier.seq) FROM block_revisions AS earlier
        WHERE earlier.block_id = block_revisions.block_id AND earlier.seq <= block_revisions.seq
          AND earlier.old_value IS NOT NULL
          AND (earlier.old_value <> earlier.new_value OR earlier.old_label <> earlier.new_label)
      )`,
    ],
  },
  {
    // A send that repeats a message's otid re-attaches to the run of the first one: found by this index.
    name: "0016_message_otid",
    statements: ["CREATE INDEX messages_otid ON messages (agent_id, otid) WHERE otid IS NOT NULL"],
  },
  {
    // When a provider's model list was last re-read (`PATCH /v1/providers/{id}/refresh`). A table of
    // its own, not a column of `providers`: this number sorts before the migration that creates that table.
    name: "0030_provider_syncs",
    statements: [
      `CREATE TABLE provider_syncs (
        provider_id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, synced_at TEXT NOT NULL
      )`,
    ],
  },
  AGENT_SECRETS_MIGRATION,
  PROVIDERS_MIGRATION,
  {
    // MCP servers an organization connects to; their token, headers and env are one sealed string.
    name: "0050_mcp_servers",
    statements: [
      `CREATE TABLE mcp_servers (
        id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, server_name TEXT NOT NULL,
        mcp_server_type TEXT NOT NULL, server_url TEXT, auth_header TEXT, command TEXT, args TEXT,
        secrets_sealed TEXT, ${timestamps},
        UNIQUE (organization_id, server_name)
      )`,
      "CREATE INDEX mcp_servers_created ON mcp_servers (organization_id, created_at, id)",
    ],
  },
];
