import {
  type AgentFilesPage,
  type AgentState,
  type Clock,
  type CreateSource,
  type DuplicateFileHandling,
  type FileMetadata,
  type IdGenerator,
  notFound,
  type PageQuery,
  ReverieError,
  type Source,
  type UpdateSource,
} from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import type { SourceListQuery, Store } from "../../store/store.js";
import { buildAgentState } from "../agent-state.js";
import { pageInMemory } from "../in-memory-page.js";
import { enqueueJob } from "../jobs/job-worker.js";
import { checkedEmbeddingConfig, chooseEmbeddingForCreate } from "../model-selection.js";
import { closedView, openFileView } from "./file-views.js";
import { attachFolder, detachFolder, syncFileTools } from "./folder-attachments.js";
import { detectFileType, SUPPORTED_EXTENSIONS } from "./parsers.js";
import { PROCESS_FILE_JOB } from "./processing.js";

/** Largest upload accepted (the HTTP body limit may be lower). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** Attempts of a processing job (parsing failures are not retried; a crash mid-way is). */
const PROCESS_ATTEMPTS = 3;

export interface FolderServiceDeps {
  store: Store;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  /** Tells the job worker there is work (it polls anyway). */
  wakeJobs?: (() => void) | undefined;
}

/** An uploaded file as the HTTP layer hands it over. */
export interface Upload {
  fileName: string;
  bytes: Uint8Array;
  /** The MIME type the client declared, if any. */
  contentType?: string | undefined;
  duplicateHandling?: DuplicateFileHandling | undefined;
  /** Overrides the uploaded file's name. */
  name?: string | undefined;
}

/** Folders, their files, and which agents see them (`/v1/folders`, `/v1/agents/{id}/folders|files`). */
export interface FolderService {
  create(input: CreateSource): Promise<Source>;
  list(query: SourceListQuery): Promise<Source[]>;
  count(): Promise<number>;
  get(folderId: string): Promise<Source>;
  idByName(name: string): Promise<string>;
  update(folderId: string, patch: UpdateSource): Promise<Source>;
  delete(folderId: string): Promise<void>;
  upload(folderId: string, upload: Upload): Promise<FileMetadata>;
  listFiles(folderId: string, page: PageQuery, includeContent: boolean): Promise<FileMetadata[]>;
  getFile(folderId: string, fileId: string, includeContent: boolean): Promise<FileMetadata>;
  deleteFile(folderId: string, fileId: string): Promise<void>;
  listAgentIds(folderId: string, page: PageQuery): Promise<string[]>;
  attach(agentId: string, folderId: string): Promise<AgentState>;
  detach(agentId: string, folderId: string): Promise<AgentState>;
  listForAgent(agentId: string, page?: PageQuery): Promise<Source[]>;
  agentFiles(
    agentId: string,
    query: { is_open?: boolean | undefined; after?: string | undefined; limit: number },
  ): Promise<AgentFilesPage>;
  /** Opens a whole file for the agent; returns the names of files closed to make room. */
  openFile(agentId: string, fileId: string): Promise<string[]>;
  closeFile(agentId: string, fileId: string): Promise<{ message: string }>;
  /** Closes every open file; returns their names. */
  closeAll(agentId: string): Promise<string[]>;
}

/** Builds the folder service. */
export function createFolderService(deps: FolderServiceDeps): FolderService {
  const { store, clock, ids } = deps;
  const now = () => clock.now().toISOString();

  async function requireFolder(folderId: string, from: Store = store): Promise<Source> {
    const source = await from.sources.get(folderId);
    if (source === undefined) throw notFound("Folder", folderId);
    return source;
  }

  async function requireAgent(agentId: string, from: Store = store) {
    const agent = await from.agents.get(agentId);
    if (agent === undefined) throw notFound("Agent", agentId);
    return agent;
  }

  async function requireFile(folderId: string, fileId: string): Promise<FileMetadata> {
    const file = await store.files.get(fileId);
    if (file === undefined || file.source_id !== folderId) throw notFound("File", fileId);
    return file;
  }

  async function withContent(file: FileMetadata, include: boolean): Promise<FileMetadata> {
    if (!include) return file;
    return { ...file, content: (await store.files.text(file.id)) ?? null };
  }

  /** A name not yet used in the folder: `notes.md`, then `notes_(1).md`, `notes_(2).md`... */
  async function freeName(folderId: string, wanted: string): Promise<string> {
    const taken = new Set(await store.files.names(folderId));
    if (!taken.has(wanted)) return wanted;
    const dot = wanted.lastIndexOf(".");
    const [base, extension] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ""];
    for (let count = 1; ; count++) {
      const candidate = `${base}_(${count})${extension}`;
      if (!taken.has(candidate)) return candidate;
    }
  }

  return {
    async create(input) {
      const stamp = now();
      return store.sources.create({
        id: ids.next("source"),
        name: input.name,
        description: input.description ?? null,
        instructions: input.instructions ?? null,
        metadata: input.metadata ?? null,
        embedding_config: (await chooseEmbeddingForCreate(deps.models, input, { useDefault: true }))
          .embedding_config,
        vector_db_provider: "native",
        created_by_id: null,
        last_updated_by_id: null,
        created_at: stamp,
        updated_at: stamp,
      });
    },

    list: (query) => store.sources.list(query),
    count: () => store.sources.count(),
    get: (folderId) => requireFolder(folderId),

    async idByName(name) {
      const source = await store.sources.getByName(name);
      if (source === undefined) throw new ReverieError("not_found", `Folder with name '${name}' not found`);
      return source.id;
    },

    async update(folderId, patch) {
      await requireFolder(folderId);
      const fields: Partial<Source> = {};
      if (patch.name) fields.name = patch.name;
      if (patch.description !== undefined) fields.description = patch.description;
      if (patch.instructions !== undefined) fields.instructions = patch.instructions;
      if (patch.metadata !== undefined) fields.metadata = patch.metadata;
      if (patch.embedding_config)
        fields.embedding_config = await checkedEmbeddingConfig(deps.models, patch.embedding_config);
      const updated = await store.sources.update(folderId, fields);
      if (updated === undefined) throw notFound("Folder", folderId);
      return updated;
    },

    async delete(folderId) {
      await store.transaction(async (tx) => {
        await requireFolder(folderId, tx);
        const agentIds = await tx.sources.agentIds(folderId);
        await tx.sources.delete(folderId);
        for (const agentId of agentIds) await syncFileTools(tx, agentId);
      });
    },

    async upload(folderId, upload) {
      const source = await requireFolder(folderId);
      const original = (upload.fileName.split(/[\\/]/).pop() ?? "").trim();
      const wanted = (upload.name?.trim() || original).split(/[\\/]/).pop() ?? "";
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
      if (!wanted || /[\u0000-\u001f]/.test(wanted)) {
        throw new ReverieError("invalid_argument", "The uploaded file needs a file name");
      }
      const type = detectFileType(wanted, upload.contentType) ?? detectFileType(original, upload.contentType);
      if (type === undefined) {
        throw new ReverieError(
          "unsupported_media_type",
          `Unsupported file type for '${wanted}': upload text, markdown, HTML, PDF or source code (${SUPPORTED_EXTENSIONS.map((extension) => `.${extension}`).join(", ")})`,
        );
      }
      if (upload.bytes.byteLength === 0)
        throw new ReverieError("invalid_argument", `The file '${wanted}' is empty`);
      if (upload.bytes.byteLength > MAX_UPLOAD_BYTES) {
        throw new ReverieError(
          "payload_too_large",
          `The file '${wanted}' is ${upload.bytes.byteLength} bytes; the limit is ${MAX_UPLOAD_BYTES} bytes`,
        );
      }

      const handling = upload.duplicateHandling ?? "suffix";
      const existing = await store.files.getByName(folderId, wanted);
      if (existing && handling === "skip") return existing;
      if (existing && handling === "error") {
        throw new ReverieError("conflict", `File '${wanted}' already exists in folder '${source.name}'`);
      }
      const fileName = existing && handling === "suffix" ? await freeName(folderId, wanted) : wanted;
      const stamp = now();
      const file: FileMetadata = {
        id: ids.next("file"),
        source_id: folderId,
        file_name: fileName,
        original_file_name: original || wanted,
        file_path: null,
        file_type: type.mime,
        file_size: upload.bytes.byteLength,
        file_creation_date: null,
        file_last_modified_date: null,
        processing_status: "pending",
        error_message: null,
        total_chunks: null,
        chunks_embedded: null,
        created_at: stamp,
        updated_at: stamp,
      };
      // The row, the bytes and the job commit together: an accepted upload is always processed.
      const created = await store.transaction(async (tx) => {
        if (existing && handling === "replace") await tx.files.delete(existing.id);
        const stored = await tx.files.create(file, upload.bytes);
        await enqueueJob(
          tx,
          { clock, ids },
          {
            kind: PROCESS_FILE_JOB,
            payload: { file_id: file.id },
            concurrency_key: `file:${file.id}`,
            max_attempts: PROCESS_ATTEMPTS,
          },
        );
        return stored;
      });
      deps.wakeJobs?.();
      return created;
    },

    async listFiles(folderId, page, includeContent) {
      await requireFolder(folderId);
      const files = await store.files.list({ ...page, source_id: folderId });
      return Promise.all(files.map((file) => withContent(file, includeContent)));
    },

    async getFile(folderId, fileId, includeContent) {
      await requireFolder(folderId);
      return withContent(await requireFile(folderId, fileId), includeContent);
    },

    async deleteFile(folderId, fileId) {
      await requireFolder(folderId);
      await requireFile(folderId, fileId);
      await store.files.delete(fileId);
    },

    async listAgentIds(folderId, page) {
      await requireFolder(folderId);
      return store.sources.agentIds(folderId, page);
    },

    async attach(agentId, folderId) {
      await store.transaction(async (tx) => {
        const agent = await requireAgent(agentId, tx);
        await attachFolder(tx, agent, await requireFolder(folderId, tx), now());
      });
      return buildAgentState(store, await requireAgent(agentId));
    },

    async detach(agentId, folderId) {
      await store.transaction(async (tx) => {
        await requireAgent(agentId, tx);
        await requireFolder(folderId, tx);
        await detachFolder(tx, agentId, folderId);
      });
      return buildAgentState(store, await requireAgent(agentId));
    },

    async listForAgent(agentId, page = {}) {
      await requireAgent(agentId);
      return pageInMemory(await store.sources.listForAgent(agentId), { order: "asc", ...page });
    },

    async agentFiles(agentId, query) {
      await requireAgent(agentId);
      const [views, sources] = await Promise.all([
        store.files.listAgentFiles(agentId, { is_open: query.is_open }),
        store.sources.listForAgent(agentId),
      ]);
      const folderNames = new Map(sources.map((source) => [source.id, source.name]));
      // Stable paging: by file name, the cursor being a file id.
      const sorted = [...views].sort((a, b) =>
        a.file_name < b.file_name ? -1 : a.file_name > b.file_name ? 1 : a.file_id < b.file_id ? -1 : 1,
      );
      let start = 0;
      if (query.after !== undefined) {
        const index = sorted.findIndex((view) => view.file_id === query.after);
        if (index < 0) throw new ReverieError("invalid_argument", `Unknown cursor: '${query.after}'`);
        start = index + 1;
      }
      const page = sorted.slice(start, start + query.limit);
      const hasMore = start + page.length < sorted.length;
      return {
        files: page.map((view) => ({
          id: view.file_id,
          file_id: view.file_id,
          file_name: view.file_name,
          folder_id: view.source_id,
          folder_name: folderNames.get(view.source_id) ?? "",
          is_open: view.is_open,
          last_accessed_at: view.last_accessed_at,
          visible_content: view.visible_content,
          start_line: view.start_line,
          end_line: view.end_line,
        })),
        next_cursor: hasMore ? (page.at(-1)?.file_id ?? null) : null,
        has_more: hasMore,
      };
    },

    async openFile(agentId, fileId) {
      return store.transaction(async (tx) => {
        const agent = await requireAgent(agentId, tx);
        const view = await tx.files.getAgentFile(agentId, fileId);
        const file = await tx.files.get(fileId);
        const source = file ? await tx.sources.get(file.source_id) : undefined;
        const attached = source
          ? (await tx.sources.listForAgent(agentId)).some((s) => s.id === source.id)
          : false;
        if (!file || !source || (!view && !attached)) throw notFound("File attached to the agent", fileId);
        const text = await tx.files.text(fileId);
        if (typeof text !== "string") {
          throw new ReverieError(
            "conflict",
            `File '${file.file_name}' cannot be opened yet: its processing status is '${file.processing_status}'`,
          );
        }
        const opened = await openFileView(tx, { agent, source, file, text, now: now() });
        return opened.closed;
      });
    },

    async closeFile(agentId, fileId) {
      await requireAgent(agentId);
      const view = await store.files.getAgentFile(agentId, fileId);
      if (view === undefined) throw notFound("File attached to the agent", fileId);
      await store.files.putAgentFile(closedView(view, now()));
      return { message: `File id=${fileId} successfully closed` };
    },

    async closeAll(agentId) {
      await requireAgent(agentId);
      return store.transaction(async (tx) => {
        const open = await tx.files.listAgentFiles(agentId, { is_open: true });
        for (const view of open) await tx.files.putAgentFile(closedView(view, now()));
        return open.map((view) => view.file_name);
      });
    },
  };
}
