import {
  type AgentRecord,
  type AgentState,
  type ArchivalSearchResponse,
  type Archive,
  type Clock,
  type CreateArchive,
  type EmbeddingConfig,
  type IdGenerator,
  type ListArchivalMemoryQuery,
  notFound,
  type PageQuery,
  type Passage,
  type PassageCreate,
  ReverieError,
  type UpdateArchive,
} from "../domain/index.js";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { Embedder } from "../llm/providers/embeddings.js";
import type { PassageFilter, Store } from "../store/store.js";
import { buildAgentState } from "./agent-state.js";
import { formatLettaTime } from "./memory/letta-time.js";
import { checkedEmbeddingConfig } from "./model-selection.js";
import {
  type EmbedQuery,
  MAX_SEARCH_LIMIT,
  type PassageSearchResult,
  searchPassages,
} from "./search/passage-search.js";
import { ensureDefaultArchive } from "./tools/search-tools.js";
import { type CpuPool, inlineCpu } from "./workers/cpu-pool.js";

export interface ArchiveServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  models: ModelRegistry;
  /** Without it passages are stored without vectors and search is text-only. */
  embedder?: Embedder | undefined;
  /** Where large passages are chunked (worker threads); in place without it. */
  cpu?: CpuPool | undefined;
}

/** Filters of a passage search (tags any/all, inclusive ISO date range) and its size. */
export interface SearchOptions {
  query: string;
  tags?: string[] | null | undefined;
  tag_match_mode?: "any" | "all" | undefined;
  start_date?: string | null | undefined;
  end_date?: string | null | undefined;
  limit: number;
}

/** Archives, their passages (chunked and embedded on the way in), and hybrid search over them. */
export interface ArchiveService {
  create(input: CreateArchive): Promise<Archive>;
  get(archiveId: string): Promise<Archive>;
  list(query: PageQuery & { name?: string | undefined; agent_id?: string | undefined }): Promise<Archive[]>;
  update(archiveId: string, patch: UpdateArchive): Promise<Archive>;
  delete(archiveId: string): Promise<void>;
  listAgents(archiveId: string, page: PageQuery): Promise<AgentState[]>;
  attach(agentId: string, archiveId: string): Promise<void>;
  detach(agentId: string, archiveId: string): Promise<void>;
  /** Writes passages (all chunks of all inputs) in one transaction, in input order. */
  createPassages(archiveId: string, inputs: readonly PassageCreate[]): Promise<Passage[]>;
  deletePassage(archiveId: string, passageId: string): Promise<void>;
  listAgentPassages(agentId: string, query: ListArchivalMemoryQuery): Promise<Passage[]>;
  /** Inserts into the agent's own archive (created on first use). */
  insertAgentPassage(agentId: string, input: PassageCreate): Promise<Passage[]>;
  deleteAgentPassage(agentId: string, passageId: string): Promise<void>;
  /** `GET /v1/agents/{id}/archival-memory/search`: Letta's `{count, results}` plus relevance. */
  searchAgentMemory(agentId: string, options: SearchOptions): Promise<ArchivalSearchResponse>;
  /** `POST /v1/passages/search`: over one archive, one agent's archives, or every archive. */
  search(
    scope: { agent_id?: string | null; archive_id?: string | null },
    options: SearchOptions,
  ): Promise<PassageSearchResult>;
}

/** Builds the archive service. */
export function createArchiveService(deps: ArchiveServiceDeps): ArchiveService {
  const { store, clock, ids, models, embedder } = deps;
  const cpu = deps.cpu ?? inlineCpu;

  async function getArchive(archiveId: string): Promise<Archive> {
    const archive = await store.archives.get(archiveId);
    if (archive === undefined) throw notFound("Archive", archiveId);
    return archive;
  }

  async function getAgent(agentId: string): Promise<AgentRecord> {
    const agent = await store.agents.get(agentId);
    if (agent === undefined) throw notFound("Agent", agentId);
    return agent;
  }

  const embedWith = (config: EmbeddingConfig | null): EmbedQuery | undefined =>
    embedder && config ? (texts) => embedder.embed(texts, config) : undefined;

  /** Chunks and embeds outside any transaction (embedding calls a provider), ready to insert. */
  async function preparePassages(
    archive: Archive,
    inputs: readonly PassageCreate[],
    actorId: string | null,
  ): Promise<Passage[]> {
    const now = clock.now().toISOString();
    const config = archive.embedding_config;
    const chunked = await Promise.all(
      inputs.map(async (input, inputIndex) => {
        if (input.text.trim() === "") {
          throw new ReverieError("invalid_argument", `passage ${inputIndex} has no text`);
        }
        const createdAt = input.created_at ? isoDate(input.created_at, "created_at") : now;
        // Large texts are chunked (and their tokens counted) in a worker thread.
        const chunks = await cpu.run(
          "chunkPassageText",
          { text: input.text, config },
          { size: input.text.length },
        );
        return { input, createdAt, chunks };
      }),
    );
    const drafts = chunked.flatMap(({ input, createdAt, chunks }) => {
      return chunks.map((text, index) => ({
        text,
        createdAt,
        tags: [...new Set(input.tags ?? [])],
        // A split input says so, so the pieces can be put back in order.
        metadata:
          chunks.length > 1
            ? { ...input.metadata, chunk_index: index, chunk_count: chunks.length }
            : (input.metadata ?? null),
      }));
    });
    const embed = embedWith(config);
    const vectors = embed ? await embed(drafts.map((draft) => draft.text)) : [];
    return drafts.map((draft, index) => ({
      id: ids.next("passage"),
      text: draft.text,
      archive_id: archive.id,
      source_id: null,
      file_id: null,
      file_name: null,
      tags: draft.tags,
      metadata: draft.metadata,
      embedding: vectors[index] ?? null,
      embedding_config: vectors[index] ? config : null,
      is_deleted: false,
      created_by_id: actorId,
      last_updated_by_id: actorId,
      created_at: draft.createdAt,
      updated_at: now,
    }));
  }

  async function runSearch(
    scope: Pick<PassageFilter, "archive_ids">,
    config: EmbeddingConfig | null,
    options: SearchOptions,
  ): Promise<PassageSearchResult> {
    const filter = {
      ...scope,
      tags: options.tags && options.tags.length > 0 ? options.tags : undefined,
      tag_match_mode: options.tag_match_mode ?? "any",
      start_date: options.start_date ? isoDate(options.start_date, "start_date") : undefined,
      end_date: options.end_date ? isoDate(options.end_date, "end_date") : undefined,
    };
    if (options.query.trim() === "") return browse(filter, options.limit);
    return searchPassages(
      { store, embed: embedWith(config) },
      { ...filter, query: options.query, limit: options.limit },
    );
  }

  /**
   * No query: the newest passages that pass the filters. The store lists by archive only, so tags and
   * dates are checked here over a bounded page (a listing, not a search).
   */
  async function browse(filter: PassageFilter, limit: number): Promise<PassageSearchResult> {
    const page = await store.passages.list({ archive_ids: filter.archive_ids, order: "desc", limit: 1000 });
    const tags = filter.tags ?? [];
    const hits = page
      .filter((passage) => {
        if (filter.start_date && passage.created_at < filter.start_date) return false;
        if (filter.end_date && passage.created_at > filter.end_date) return false;
        if (tags.length === 0) return true;
        return filter.tag_match_mode === "all"
          ? tags.every((tag) => passage.tags.includes(tag))
          : tags.some((tag) => passage.tags.includes(tag));
      })
      .slice(0, Math.min(limit, MAX_SEARCH_LIMIT))
      .map((passage) => ({ passage, score: 0, vector_rank: null, text_rank: null, distance: null }));
    return { mode: "text", reason: "no query: newest passages first", hits };
  }

  async function searchAgent(agent: AgentRecord, options: SearchOptions): Promise<PassageSearchResult> {
    const archives = await store.archives.listForAgent(agent.id);
    return runSearch(
      { archive_ids: archives.map((archive) => archive.id) },
      searchConfig(archives, agent.embedding_config),
      options,
    );
  }

  async function agentPassage(agentId: string, passageId: string): Promise<Passage> {
    await getAgent(agentId);
    const archiveIds = new Set((await store.archives.listForAgent(agentId)).map((archive) => archive.id));
    const passage = await store.passages.get(passageId);
    if (passage === undefined || passage.archive_id === null || !archiveIds.has(passage.archive_id)) {
      throw notFound("Passage", passageId);
    }
    return passage;
  }

  return {
    async create(input) {
      const name = input.name.trim();
      if (name === "") throw new ReverieError("invalid_argument", "name must not be empty");
      let config: EmbeddingConfig | null = null;
      if (input.embedding) config = await models.resolveEmbedding(input.embedding);
      else if (input.embedding_config) config = await checkedEmbeddingConfig(models, input.embedding_config);
      else {
        const handle = await models.defaultEmbeddingHandle();
        if (handle !== undefined) config = await models.resolveEmbedding(handle);
      }
      const now = clock.now().toISOString();
      return store.archives.create({
        id: ids.next("archive"),
        name,
        description: input.description ?? null,
        embedding_config: config,
        vector_db_provider: "native",
        metadata: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: now,
        updated_at: now,
      });
    },

    get: getArchive,

    list: (query) => store.archives.list(query),

    async update(archiveId, patch) {
      await getArchive(archiveId);
      const fields: Partial<Archive> = {};
      if (patch.name != null) {
        if (patch.name.trim() === "") throw new ReverieError("invalid_argument", "name must not be empty");
        fields.name = patch.name.trim();
      }
      if (patch.description !== undefined) fields.description = patch.description;
      const updated = await store.archives.update(archiveId, fields);
      if (updated === undefined) throw notFound("Archive", archiveId);
      return updated;
    },

    async delete(archiveId) {
      if (!(await store.archives.delete(archiveId))) throw notFound("Archive", archiveId);
    },

    async listAgents(archiveId, page) {
      await getArchive(archiveId);
      let agentIds = await store.archives.agentIds(archiveId);
      if (page.order === "desc") agentIds = agentIds.reverse();
      if (page.after !== undefined) agentIds = agentIds.slice(agentIds.indexOf(page.after) + 1);
      if (page.before !== undefined && agentIds.includes(page.before)) {
        agentIds = agentIds.slice(0, agentIds.indexOf(page.before));
      }
      const agents = await Promise.all(agentIds.slice(0, page.limit ?? 50).map((id) => store.agents.get(id)));
      return Promise.all(
        agents.filter((agent) => agent !== undefined).map((agent) => buildAgentState(store, agent)),
      );
    },

    async attach(agentId, archiveId) {
      const owned = (await store.archives.listForAgent(agentId)).some((archive) => archive.id === archiveId);
      // Attaching again keeps the agent's ownership of its own archive.
      if (!owned) await store.archives.attach(agentId, archiveId, false);
    },

    async detach(agentId, archiveId) {
      await getAgent(agentId);
      await getArchive(archiveId);
      await store.archives.detach(agentId, archiveId);
    },

    async createPassages(archiveId, inputs) {
      const archive = await getArchive(archiveId);
      if (inputs.length === 0) return [];
      const passages = await preparePassages(archive, inputs, null);
      return store.passages.insert(passages);
    },

    async deletePassage(archiveId, passageId) {
      const passage = await store.passages.get(passageId);
      if (passage === undefined || passage.archive_id !== archiveId) throw notFound("Passage", passageId);
      await store.passages.delete(passageId);
    },

    async listAgentPassages(agentId, query) {
      await getAgent(agentId);
      const archiveIds = (await store.archives.listForAgent(agentId)).map((archive) => archive.id);
      return store.passages.list({
        archive_ids: archiveIds,
        after: query.after,
        before: query.before,
        limit: query.limit,
        order: query.ascending ? "asc" : "desc",
        search: query.search,
      });
    },

    async insertAgentPassage(agentId, input) {
      const agent = await getAgent(agentId);
      const archive = await store.transaction((tx) =>
        ensureDefaultArchive(tx, agent, ids, clock.now().toISOString()),
      );
      const passages = await preparePassages(archive, [input], null);
      return store.passages.insert(passages);
    },

    async deleteAgentPassage(agentId, passageId) {
      await agentPassage(agentId, passageId);
      await store.passages.delete(passageId);
    },

    async searchAgentMemory(agentId, options) {
      const agent = await getAgent(agentId);
      const result = await searchAgent(agent, options);
      return {
        count: result.hits.length,
        results: result.hits.map((hit) => ({
          id: hit.passage.id,
          timestamp: formatLettaTime(new Date(hit.passage.created_at), agent.timezone),
          content: hit.passage.text,
          tags: hit.passage.tags,
          score: hit.score,
          vector_rank: hit.vector_rank,
          text_rank: hit.text_rank,
        })),
        search_mode: result.mode,
        search_note: result.reason ?? null,
      };
    },

    async search(scope, options) {
      if (scope.archive_id) {
        const archive = await getArchive(scope.archive_id);
        if (scope.agent_id) {
          const attached = await store.archives.listForAgent(scope.agent_id);
          if (!attached.some((entry) => entry.id === archive.id)) return { mode: "text", hits: [] };
        }
        return runSearch({ archive_ids: [archive.id] }, archive.embedding_config, options);
      }
      if (scope.agent_id) return searchAgent(await getAgent(scope.agent_id), options);
      const archives = await store.archives.list({ limit: 10_000, order: "asc" });
      return runSearch(
        { archive_ids: archives.map((archive) => archive.id) },
        searchConfig(archives, null),
        options,
      );
    },
  };
}

/**
 * The model to embed a query with: vectors are only comparable within one model, so the archives' own
 * model (the first archive that has one), else the agent's.
 */
function searchConfig(
  archives: readonly Archive[],
  fallback: EmbeddingConfig | null,
): EmbeddingConfig | null {
  return archives.find((archive) => archive.embedding_config)?.embedding_config ?? fallback;
}

/** A client's date as the stored ISO form; a 400 for anything unparseable. */
function isoDate(value: string, field: string): string {
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) {
    throw new ReverieError("invalid_argument", `${field} must be an ISO 8601 date-time, got '${value}'`);
  }
  return parsed.toISOString();
}
