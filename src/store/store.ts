import type {
  Actor,
  AgentRecord,
  ApiKey,
  ApiKeyRecord,
  Archive,
  Block,
  BlockRevision,
  Conversation,
  FileAgent,
  FileMetadata,
  Group,
  Identity,
  Job,
  McpServerRecord,
  Message,
  MessageRole,
  NewJob,
  NewMessage,
  Organization,
  PageQuery,
  Passage,
  Run,
  RunStatus,
  Source,
  Step,
  Tool,
  ToolType,
} from "../domain/index.js";

/**
 * The storage port. Two adapters implement it (SQLite and PostgreSQL), chosen by
 * `REVERIE_DATABASE_URL`; every method behaves the same on both (one contract test suite runs on each).
 * Lists honour Letta's paging: `after`/`before` are ids, relative to the requested `order`.
 *
 * Tenancy: every repository but `organizations` works in the current organization (`tenancy.ts`): it
 * writes the organization on every row it creates, and reads, changes and deletes only that
 * organization's rows; another organization's id behaves as an unknown one (undefined, false, 404), and
 * links (attachments, identities, group members) only join rows of one organization. The few
 * operations that are cross-tenant by nature say so: `jobs.claim`,
 * `runs.listUnfinishedInAllOrganizations`, the `organizations` repository and the `apiKeys` repository.
 */
export interface Store {
  readonly dialect: "sqlite" | "postgres";
  /** Organization administration (not scoped: it manages the scopes). */
  readonly organizations: OrganizationRepository;
  /** API keys of every organization (not scoped: a request's key decides its scope). */
  readonly apiKeys: ApiKeyRepository;
  readonly agents: AgentRepository;
  readonly blocks: BlockRepository;
  readonly tools: ToolRepository;
  readonly messages: MessageRepository;
  readonly archives: ArchiveRepository;
  readonly passages: PassageRepository;
  readonly runs: RunRepository;
  readonly steps: StepRepository;
  readonly conversations: ConversationRepository;
  readonly identities: IdentityRepository;
  readonly groups: GroupRepository;
  readonly jobs: JobRepository;
  readonly sources: SourceRepository;
  readonly files: FileRepository;
  /** Agents' secrets, sealed (the runtime's SecretBox encrypts and decrypts; the store never sees clear text). */
  readonly agentSecrets: AgentSecretRepository;
  /**
   * Every sealed value of every organization, for key rotation (cross-tenant by nature: the key is the
   * server's, not an organization's).
   */
  readonly sealedValues: SealedValueRepository;
  /** Organizations' own model providers (keys sealed). */
  readonly providers: ProviderRepository;
  /** Configured MCP servers (their secrets sealed by the runtime before they get here). */
  readonly mcpServers: McpServerRepository;
  /**
   * Runs `fn` in one transaction: everything it writes through `tx` commits together or not at all.
   * Nested calls on `tx` join the outer transaction.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Locks shared by every process using this database (PostgreSQL advisory locks), released when the
   * holder releases them or its connection dies. Absent where one process owns the store (SQLite).
   */
  readonly locks?: DatabaseLocks | undefined;
  close(): Promise<void>;
}

/** A named lock across processes; `tryAcquire` answers at once, undefined when another process holds it. */
export interface DatabaseLocks {
  tryAcquire(key: string): Promise<{ release(): Promise<void> } | undefined>;
  /**
   * Whether any process (this one included) holds `key` now, without taking it: a look that can never
   * make a turn that wants the lock meet a busy answer.
   */
  isHeld(key: string): Promise<boolean>;
}

/** Organizations (tenants); the default organization always exists. */
export interface OrganizationRepository {
  create(organization: Organization): Promise<Organization>;
  get(id: string): Promise<Organization | undefined>;
  /** Oldest first unless `order` says otherwise. */
  list(page?: PageQuery): Promise<Organization[]>;
  update(
    id: string,
    patch: Partial<Pick<Organization, "name" | "updated_at">>,
  ): Promise<Organization | undefined>;
}

export interface ApiKeyListQuery extends PageQuery {
  /** Only this organization's keys (all organizations' when left out). */
  organization_id?: string | undefined;
}

/** API keys, stored by the SHA-256 hash of the key; the key itself is never stored. */
export interface ApiKeyRepository {
  create(key: ApiKeyRecord): Promise<ApiKey>;
  get(id: string): Promise<ApiKey | undefined>;
  /** The key whose hash this is, revoked and expired ones included (the caller judges them). */
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first unless `order` says otherwise. */
  list(query?: ApiKeyListQuery): Promise<ApiKey[]>;
  /** Sets `revoked_at` (kept if already revoked); undefined for an unknown id. */
  revoke(id: string, now: string): Promise<ApiKey | undefined>;
  /** Records a use of the key. */
  touch(id: string, now: string): Promise<void>;
  /** Whether any key was ever created (revoked ones count: once keys are in use they stay required). */
  any(): Promise<boolean>;
}

/** One secret of an agent as stored: its value is a sealed envelope. */
export interface SealedAgentSecret {
  id: string;
  agent_id: string;
  key: string;
  value_enc: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** What replacing an agent's secrets writes, per key. */
export interface NewAgentSecret {
  key: string;
  value_enc: string;
  description: string | null;
}

export interface AgentSecretRepository {
  /** The agent's secrets, by key; empty for an unknown agent. */
  list(agentId: string): Promise<SealedAgentSecret[]>;
  /**
   * Replaces the agent's whole set (Letta's modify semantics): keys not given are deleted, a kept key keeps
   * its id and `created_at`. Throws notFound for an agent that is not the organization's.
   */
  replace(agentId: string, secrets: readonly NewAgentSecret[]): Promise<void>;
}

/** An organization's provider as stored: its keys are sealed envelopes. */
export interface StoredProvider {
  id: string;
  name: string;
  provider_type: string;
  api_key_enc: string | null;
  base_url: string | null;
  access_key_enc: string | null;
  region: string | null;
  api_version: string | null;
  created_at: string;
  updated_at: string;
  /** When its model list was last re-read (refresh), or null. */
  last_synced: string | null;
}

export interface ProviderListQuery extends PageQuery {
  name?: string | undefined;
  provider_type?: string | undefined;
}

export interface ProviderRepository {
  /** Inserts the provider; a name the organization already uses is a conflict. */
  create(provider: StoredProvider): Promise<StoredProvider>;
  get(id: string): Promise<StoredProvider | undefined>;
  /** The organization's providers by creation, paged. */
  list(query?: ProviderListQuery): Promise<StoredProvider[]>;
  update(
    id: string,
    patch: Partial<Omit<StoredProvider, "id" | "name" | "provider_type" | "created_at">>,
  ): Promise<StoredProvider | undefined>;
  delete(id: string): Promise<boolean>;
}

export interface SealedValueRepository {
  /**
   * Rewrites every sealed value in the database (all organizations, every table that holds some) with
   * `transform`, and returns how many were rewritten. Run it inside `store.transaction` so a failure
   * leaves every value as it was.
   */
  rewriteAll(transform: (sealed: string) => string): Promise<number>;
}

export interface AgentListQuery extends PageQuery {
  name?: string | undefined;
  tags?: string[] | undefined;
  match_all_tags?: boolean | undefined;
  /** Case-insensitive substring of the name. */
  query_text?: string | undefined;
  project_id?: string | undefined;
  identity_id?: string | undefined;
  last_stop_reason?: string | undefined;
}

export interface TagListQuery extends PageQuery {
  /** Case-insensitive substring of the tag. */
  query_text?: string | undefined;
}

export interface AgentRepository {
  create(agent: AgentRecord): Promise<AgentRecord>;
  get(id: string): Promise<AgentRecord | undefined>;
  list(query: AgentListQuery): Promise<AgentRecord[]>;
  count(query?: AgentListQuery): Promise<number>;
  /** Applies the given fields and bumps `updated_at`; undefined if the agent does not exist. */
  update(
    id: string,
    patch: Partial<Omit<AgentRecord, "id" | "created_at">>,
  ): Promise<AgentRecord | undefined>;
  /** Deletes the agent, its links, messages, runs and steps; blocks and tools stay (they may be shared). */
  delete(id: string): Promise<boolean>;
  /** Distinct tags over all agents, sorted; paging by tag value. */
  listTags(query: TagListQuery): Promise<string[]>;
}

export interface BlockListQuery extends PageQuery {
  label?: string | undefined;
  /** Case-insensitive substring of the label. */
  label_search?: string | undefined;
  /** Case-insensitive substring of the value. */
  value_search?: string | undefined;
  templates_only?: boolean | undefined;
  project_id?: string | undefined;
  tags?: string[] | undefined;
  match_all_tags?: boolean | undefined;
}

export interface BlockRepository {
  /** Inserts the block and its first revision (old value null) by `actor`. */
  create(block: Block, actor: Actor): Promise<Block>;
  get(id: string): Promise<Block | undefined>;
  getMany(ids: readonly string[]): Promise<Block[]>;
  list(query: BlockListQuery): Promise<Block[]>;
  /**
   * Applies the patch, bumps `updated_at` and appends a revision (before, after, actor) in the same
   * transaction. A label change that would clash with another block of an attached agent is a conflict.
   */
  update(
    id: string,
    patch: Partial<Omit<Block, "id" | "created_at">>,
    actor: Actor,
    change?: RevisionChange,
  ): Promise<Block | undefined>;
  /** Deletes the block and detaches it from every agent; revisions are kept. */
  delete(id: string): Promise<boolean>;
  /** The agent's blocks in the order they were attached. */
  listForAgent(agentId: string): Promise<Block[]>;
  getForAgentByLabel(agentId: string, label: string): Promise<Block | undefined>;
  /** Attaches; a conflict if the agent already has a block with that label. Idempotent for the same block. */
  attach(agentId: string, blockId: string): Promise<void>;
  detach(agentId: string, blockId: string): Promise<boolean>;
  /** Ids of the agents a block is attached to. */
  agentIds(blockId: string, page?: PageQuery): Promise<string[]>;
  revisions(blockId: string, page?: PageQuery): Promise<BlockRevision[]>;
  /** One revision of the block by id; undefined if unknown or another block's. */
  getRevision(blockId: string, revisionId: string): Promise<BlockRevision | undefined>;
  revisionAt(blockId: string, seq: number): Promise<BlockRevision | undefined>;
  latestRevision(blockId: string): Promise<BlockRevision | undefined>;
}

/**
 * A write that is a history operation rather than an edit. Undo and redo name the edit the block's
 * undo (redo) stack had on top when the caller read it; if another write moved the stack meanwhile the
 * update is a conflict, so two concurrent undos cannot both revert the same edit.
 */
export interface RevisionChange {
  operation: "restore" | "undo" | "redo";
  target_seq: number;
}

export interface ToolListQuery extends PageQuery {
  name?: string | undefined;
  names?: string[] | undefined;
  ids?: string[] | undefined;
  tool_types?: ToolType[] | undefined;
  exclude_tool_types?: ToolType[] | undefined;
  /** Case-insensitive substring of the name. */
  search?: string | undefined;
}

export interface ToolRepository {
  /** Inserts the tool; a conflict if a tool of that name exists. */
  create(tool: Tool): Promise<Tool>;
  /** Inserts, or replaces every field but the id and created_at of the tool with the same name. */
  upsertByName(tool: Tool): Promise<Tool>;
  get(id: string): Promise<Tool | undefined>;
  getByName(name: string): Promise<Tool | undefined>;
  list(query: ToolListQuery): Promise<Tool[]>;
  update(id: string, patch: Partial<Omit<Tool, "id" | "created_at">>): Promise<Tool | undefined>;
  delete(id: string): Promise<boolean>;
  listForAgent(agentId: string): Promise<Tool[]>;
  attach(agentId: string, toolId: string): Promise<void>;
  detach(agentId: string, toolId: string): Promise<boolean>;
}

/** MCP servers, unique by `server_name` within an organization. */
export interface McpServerRepository {
  /** Inserts the server; a conflict if a server of that name exists. */
  create(server: McpServerRecord): Promise<McpServerRecord>;
  get(id: string): Promise<McpServerRecord | undefined>;
  getByName(serverName: string): Promise<McpServerRecord | undefined>;
  /** Oldest first. */
  list(): Promise<McpServerRecord[]>;
  /** A conflict if the new name is taken. */
  update(
    id: string,
    patch: Partial<Omit<McpServerRecord, "id" | "created_at">>,
  ): Promise<McpServerRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

export interface MessageListQuery extends PageQuery {
  agent_id?: string | undefined;
  /** `null` selects the agent's default conversation only; undefined selects every conversation. */
  conversation_id?: string | null | undefined;
  run_id?: string | undefined;
  step_id?: string | undefined;
  /** Messages whose client-given offline threading id is one of these (with `agent_id`, indexed). */
  otids?: readonly string[] | undefined;
  roles?: MessageRole[] | undefined;
  /** ISO timestamps, inclusive. */
  start_date?: string | undefined;
  end_date?: string | undefined;
}

export interface MessageRepository {
  /** Appends messages in order, assigning increasing `sequence_id`s. */
  append(messages: readonly NewMessage[]): Promise<Message[]>;
  get(id: string): Promise<Message | undefined>;
  /** The messages with these ids, in the order of `ids` (missing ids are skipped). */
  getMany(ids: readonly string[]): Promise<Message[]>;
  list(query: MessageListQuery): Promise<Message[]>;
  count(query: Pick<MessageListQuery, "agent_id" | "conversation_id" | "roles">): Promise<number>;
  /** Rewrites content fields of a stored message (the system message is rebuilt in place). */
  update(
    id: string,
    patch: Partial<
      Pick<Message, "content" | "tool_calls" | "tool_returns" | "approvals" | "name" | "is_err">
    >,
  ): Promise<Message | undefined>;
  /** Full-text search over message text (one agent's, or every agent's without `agent_id`), best first. */
  searchText(query: MessageSearchQuery): Promise<Array<{ message: Message; rank: number }>>;
  /**
   * Records what an embedding model made of messages: a vector moves the message to the index of its
   * dimension; `embedding: null` records that it had nothing to embed. Either way `model` is remembered,
   * so {@link listUnembedded} stops returning it. Unknown ids are skipped.
   */
  setEmbeddings(items: readonly MessageEmbedding[]): Promise<void>;
  /** Nearest messages by cosine distance among those with `vector.length` dimensions; filters apply before the limit. */
  searchVector(query: MessageVectorQuery): Promise<Array<{ message: Message; distance: number }>>;
  /**
   * For each id, the message just before and just after it in its agent's conversation among `roles`
   * (ids, null at an end). Unknown ids are left out. Recall search uses it to see which of its
   * candidates are neighbouring turns, and to show a hit with the turns around it.
   */
  adjacent(
    ids: readonly string[],
    roles: readonly MessageRole[],
  ): Promise<Map<string, { previous: string | null; next: string | null }>>;
  /** An agent's messages not yet processed by `model` (never, or by another model), oldest first. */
  listUnembedded(query: UnembeddedQuery & { limit: number }): Promise<Message[]>;
  countUnembedded(query: UnembeddedQuery): Promise<number>;
}

/** A message's embedding by one model (`model` is an opaque key naming the model and its dimension). */
export interface MessageEmbedding {
  id: string;
  embedding: readonly number[] | null;
  model: string;
}

export interface UnembeddedQuery {
  agent_id: string;
  model: string;
  roles?: MessageRole[] | undefined;
}

export interface MessageVectorQuery extends Omit<MessageSearchQuery, "query"> {
  vector: readonly number[];
  /** Only messages embedded by this model key: vectors of another model of the same size do not compare. */
  model?: string | undefined;
}

export interface MessageSearchQuery {
  /** Undefined searches every agent's messages. */
  agent_id?: string | undefined;
  query: string;
  roles?: MessageRole[] | undefined;
  conversation_id?: string | null | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  limit: number;
}

export interface ArchiveListQuery extends PageQuery {
  name?: string | undefined;
  agent_id?: string | undefined;
}

export interface ArchiveRepository {
  create(archive: Archive): Promise<Archive>;
  get(id: string): Promise<Archive | undefined>;
  list(query: ArchiveListQuery): Promise<Archive[]>;
  update(id: string, patch: Partial<Omit<Archive, "id" | "created_at">>): Promise<Archive | undefined>;
  /** Deletes the archive and its passages. */
  delete(id: string): Promise<boolean>;
  attach(agentId: string, archiveId: string, isOwner: boolean): Promise<void>;
  detach(agentId: string, archiveId: string): Promise<boolean>;
  listForAgent(agentId: string): Promise<Archive[]>;
  agentIds(archiveId: string): Promise<string[]>;
}

export interface PassageFilter {
  /** Passages of these archives, together with those of `source_ids` and `file_ids`. */
  archive_ids: readonly string[];
  /** Passages of these folders (sources), e.g. file passages. */
  source_ids?: readonly string[] | undefined;
  /** Passages of these files. */
  file_ids?: readonly string[] | undefined;
  tags?: string[] | undefined;
  tag_match_mode?: "any" | "all" | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
}

export interface PassageListQuery extends PageQuery {
  archive_ids: readonly string[];
  /** Case-insensitive substring of the text. */
  search?: string | undefined;
}

export interface PassageRepository {
  /**
   * Inserts passages. A passage with an `embedding` is indexed for vector search in the index of its
   * dimension (`embedding.length`); agents with different embedding dimensions coexist.
   */
  insert(passages: readonly Passage[]): Promise<Passage[]>;
  get(id: string): Promise<Passage | undefined>;
  list(query: PassageListQuery): Promise<Passage[]>;
  count(archiveIds: readonly string[]): Promise<number>;
  /** Distinct tags over the archives' passages, sorted. */
  tags(archiveIds: readonly string[]): Promise<string[]>;
  delete(id: string): Promise<boolean>;
  /** Replaces a passage's embedding (re-embedding), moving it to the index of the new dimension. */
  setEmbedding(id: string, embedding: number[] | null, config: Passage["embedding_config"]): Promise<void>;
  /** Nearest passages by cosine distance among those of `vector.length` dimensions; filters apply before the limit. */
  searchVector(
    filter: PassageFilter,
    vector: readonly number[],
    limit: number,
    options?: PassageSearchOptions,
  ): Promise<Array<{ passage: Passage; distance: number }>>;
  /** Full-text matches, best first; filters apply before the limit. */
  searchText(
    filter: PassageFilter,
    query: string,
    limit: number,
    options?: PassageSearchOptions,
  ): Promise<Array<{ passage: Passage; rank: number }>>;
}

export interface PassageSearchOptions {
  /**
   * Read each hit's vector (default true). Searches that only show text pass false: reading vectors
   * back costs more than the search itself on SQLite (the hits then have `embedding: null`).
   */
  withEmbeddings?: boolean | undefined;
}

export interface RunListQuery extends PageQuery {
  agent_id?: string | undefined;
  agent_ids?: string[] | undefined;
  conversation_id?: string | undefined;
  statuses?: RunStatus[] | undefined;
  background?: boolean | undefined;
  stop_reason?: string | undefined;
  run_type?: string | undefined;
}

export interface RunRepository {
  create(run: Run): Promise<Run>;
  get(id: string): Promise<Run | undefined>;
  list(query: RunListQuery): Promise<Run[]>;
  update(id: string, patch: Partial<Omit<Run, "id" | "agent_id" | "created_at">>): Promise<Run | undefined>;
  /**
   * A page of the runs still `created`/`running` in every organization (recovery after a crash is
   * cross-tenant by nature), oldest first, after the run `after` (by creation time, then id).
   */
  listUnfinishedInAllOrganizations(
    limit: number,
    after?: { created_at: string; id: string },
  ): Promise<Array<{ run: Run; organization_id: string }>>;
}

export interface StepListQuery extends PageQuery {
  agent_id?: string | undefined;
  run_id?: string | undefined;
  model?: string | undefined;
  start_date?: string | undefined;
  end_date?: string | undefined;
  feedback?: "positive" | "negative" | undefined;
}

export interface StepRepository {
  create(step: Step): Promise<Step>;
  get(id: string): Promise<Step | undefined>;
  list(query: StepListQuery): Promise<Step[]>;
  update(
    id: string,
    patch: Partial<Omit<Step, "id" | "run_id" | "agent_id" | "created_at">>,
  ): Promise<Step | undefined>;
}

export interface ConversationListQuery extends PageQuery {
  agent_id?: string | undefined;
  archived?: boolean | undefined;
  summary_search?: string | undefined;
}

export interface ConversationRepository {
  create(conversation: Conversation): Promise<Conversation>;
  get(id: string): Promise<Conversation | undefined>;
  list(query: ConversationListQuery): Promise<Conversation[]>;
  update(
    id: string,
    patch: Partial<Omit<Conversation, "id" | "agent_id" | "created_at">>,
  ): Promise<Conversation | undefined>;
  delete(id: string): Promise<boolean>;
}

export interface IdentityListQuery extends PageQuery {
  name?: string | undefined;
  identifier_key?: string | undefined;
  identity_type?: Identity["identity_type"] | undefined;
  project_id?: string | undefined;
}

export interface IdentityRepository {
  create(identity: Identity): Promise<Identity>;
  get(id: string): Promise<Identity | undefined>;
  list(query: IdentityListQuery): Promise<Identity[]>;
  update(id: string, patch: Partial<Omit<Identity, "id">>): Promise<Identity | undefined>;
  delete(id: string): Promise<boolean>;
  listForAgent(agentId: string): Promise<Identity[]>;
  attach(agentId: string, identityId: string): Promise<void>;
  detach(agentId: string, identityId: string): Promise<boolean>;
}

export interface GroupListQuery extends PageQuery {
  manager_type?: Group["manager_type"] | undefined;
  project_id?: string | undefined;
}

export interface GroupRepository {
  create(group: Group): Promise<Group>;
  get(id: string): Promise<Group | undefined>;
  /** Groups by creation, paged. */
  list(query: GroupListQuery): Promise<Group[]>;
  count(query?: Pick<GroupListQuery, "manager_type" | "project_id">): Promise<number>;
  update(id: string, patch: Partial<Omit<Group, "id">>): Promise<Group | undefined>;
  /**
   * Adds one to the group's `turns_counter` in a single statement (turns of one agent in different
   * conversations finish concurrently) and returns the new count; undefined if the group is gone.
   */
  incrementTurns(id: string): Promise<number | undefined>;
  delete(id: string): Promise<boolean>;
  /** Groups the agent manages or belongs to. */
  listForAgent(agentId: string): Promise<Group[]>;
}

export interface JobListQuery extends PageQuery {
  kind?: string | undefined;
  statuses?: Job["status"][] | undefined;
  concurrency_key?: string | undefined;
}

export interface JobRepository {
  /**
   * Enqueues a job. With a `concurrency_key` that already has a queued or running job, nothing is
   * inserted and that job is returned with `created: false`.
   */
  enqueue(job: NewJob & { id: string; now: string }): Promise<{ job: Job; created: boolean }>;
  get(id: string): Promise<Job | undefined>;
  list(query: JobListQuery): Promise<Job[]>;
  /**
   * Claims up to `limit` runnable jobs of the given kinds for `owner`, in every organization (the one
   * cross-tenant job operation: the worker runs each job in its `organization_id`'s scope): queued jobs
   * whose `run_after` has come, and running jobs whose lease expired. Never hands one job to two claimers, even across
   * processes. Increments `attempts` and sets the lease.
   */
  claim(options: {
    owner: string;
    kinds: readonly string[];
    now: string;
    leaseMs: number;
    limit: number;
  }): Promise<Job[]>;
  /** Extends the lease; false if the job is no longer held by `owner`. */
  heartbeat(
    id: string,
    owner: string,
    now: string,
    leaseMs: number,
    progress?: Record<string, unknown>,
  ): Promise<boolean>;
  /** Marks a held job succeeded; false if not held by `owner`. */
  complete(id: string, owner: string, now: string, result?: Record<string, unknown>): Promise<boolean>;
  /**
   * Records a failure of a held job: back to `queued` with `run_after = retryAt` while attempts remain
   * and `retryAt` is given, otherwise `failed`.
   */
  fail(id: string, owner: string, now: string, error: string, retryAt?: string): Promise<boolean>;
  /** Moves a queued job's `run_after` (and replaces its payload when given); false if it is not queued. */
  reschedule(id: string, now: string, runAfter: string, payload?: Record<string, unknown>): Promise<boolean>;
  /**
   * Hands a held job back to the queue, due now, without counting the attempt (its worker is shutting
   * down, the job did not fail); false if not held by `owner`.
   */
  release(id: string, owner: string, now: string): Promise<boolean>;
  cancel(id: string, now: string): Promise<boolean>;
}

export interface SourceListQuery extends PageQuery {
  name?: string | undefined;
}

/** Folders (Letta's sources) and which agents they are attached to. */
export interface SourceRepository {
  /** Inserts the folder; a conflict if a folder of that name exists. */
  create(source: Source): Promise<Source>;
  get(id: string): Promise<Source | undefined>;
  getByName(name: string): Promise<Source | undefined>;
  list(query: SourceListQuery): Promise<Source[]>;
  count(): Promise<number>;
  /** Applies the patch and bumps `updated_at`; a conflict if the new name is taken. */
  update(id: string, patch: Partial<Omit<Source, "id" | "created_at">>): Promise<Source | undefined>;
  /** Deletes the folder with its files, their contents and passages, and agents' views of them. */
  delete(id: string): Promise<boolean>;
  /** Attaches (idempotent); 404 for an unknown agent or folder. */
  attach(agentId: string, sourceId: string, now: string): Promise<void>;
  /** Detaches, removing the agent's views of the folder's files. */
  detach(agentId: string, sourceId: string): Promise<boolean>;
  /** The agent's folders in the order they were attached. */
  listForAgent(agentId: string): Promise<Source[]>;
  agentIds(sourceId: string, page?: PageQuery): Promise<string[]>;
}

export interface FileListQuery extends PageQuery {
  source_id: string;
}

/** The processing fields of a file a processing step may change. */
export type FilePatch = Partial<
  Pick<
    FileMetadata,
    "processing_status" | "error_message" | "total_chunks" | "chunks_embedded" | "file_name" | "updated_at"
  >
>;

/** Files of folders: metadata, uploaded bytes, parsed text, passages, and agents' open-file state. */
export interface FileRepository {
  /** Inserts the file (without `content`) and its uploaded bytes; a conflict if the folder has that name. */
  create(file: Omit<FileMetadata, "content">, raw: Uint8Array): Promise<FileMetadata>;
  get(id: string): Promise<FileMetadata | undefined>;
  getByName(sourceId: string, fileName: string): Promise<FileMetadata | undefined>;
  list(query: FileListQuery): Promise<FileMetadata[]>;
  /** Names of the folder's files (for picking a free name). */
  names(sourceId: string): Promise<string[]>;
  /** Counts files and sums their sizes, over all folders or one. */
  stats(sourceId?: string): Promise<{ files: number; bytes: number }>;
  update(id: string, patch: FilePatch): Promise<FileMetadata | undefined>;
  /** Deletes the file, its content and passages, and agents' views of it. */
  delete(id: string): Promise<boolean>;
  raw(id: string): Promise<Uint8Array | undefined>;
  /** The parsed text, null before parsing, undefined for an unknown file. */
  text(id: string): Promise<string | null | undefined>;
  setText(id: string, text: string): Promise<void>;
  /** Deletes the file's passages with their vectors (re-processing starts over). */
  deletePassages(fileId: string): Promise<number>;
  /** Inserts or replaces an agent's view of a file. */
  putAgentFile(view: FileAgent): Promise<FileAgent>;
  getAgentFile(agentId: string, fileId: string): Promise<FileAgent | undefined>;
  /** The agent's views, most recently accessed first; `is_open` filters. */
  listAgentFiles(agentId: string, query?: { is_open?: boolean | undefined }): Promise<FileAgent[]>;
  /** Ids of the agents that see the file. */
  fileAgentIds(fileId: string): Promise<string[]>;
}
