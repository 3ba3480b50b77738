import type { AgentFile, Clock, FileMetadata, IdGenerator, Source } from "../../domain/index.js";
import { normalizeLegacyEmbeddingConfig } from "../../llm/llm-config-overrides.js";
import type { Store } from "../../store/store.js";
import { detectFileType } from "../files/parsers.js";
import { PROCESS_FILE_JOB } from "../files/processing.js";
import { enqueueJob } from "../jobs/job-worker.js";

// Folders (Letta's sources) and their files in an Agent File. A file travels as its extracted text
// (`content`); on import it is stored again and processed by the usual durable job, which chunks and
// embeds it and opens it for the agents of its folder.

/** File-local ids, shared with the rest of the export. */
export interface LocalIdSource {
  of(prefix: string, id: string): string;
}

const FILE_PAGE = 500;
/** The file kinds whose text differs from their bytes: imported text gets a `.md` name to be parsed as such. */
const BINARY_KINDS = new Set(["pdf", "html"]);

/** The folders an agent is attached to, with their files' text and the agent's views of them. */
export async function exportFolders(
  store: Store,
  agentId: string,
  ids: LocalIdSource,
  into: { sources: Map<string, Record<string, unknown>>; files: Map<string, Record<string, unknown>> },
): Promise<{ sourceIds: string[]; filesAgents: Record<string, unknown>[] }> {
  const sources = await store.sources.listForAgent(agentId);
  for (const source of sources) {
    if (into.sources.has(source.id)) continue;
    into.sources.set(source.id, {
      id: ids.of("source", source.id),
      name: source.name,
      description: source.description,
      instructions: source.instructions,
      metadata: source.metadata,
      embedding: source.embedding_config?.handle ?? null,
      embedding_chunk_size: source.embedding_config?.embedding_chunk_size ?? null,
      embedding_config: source.embedding_config,
    });
    for (const file of await allFiles(store, source.id)) {
      into.files.set(file.id, {
        id: ids.of("file", file.id),
        source_id: ids.of("source", source.id),
        file_name: file.file_name,
        original_file_name: file.original_file_name,
        file_path: file.file_path,
        file_type: file.file_type,
        file_size: file.file_size,
        file_creation_date: file.file_creation_date,
        file_last_modified_date: file.file_last_modified_date,
        processing_status: file.processing_status,
        error_message: file.error_message,
        total_chunks: file.total_chunks,
        chunks_embedded: file.chunks_embedded,
        content: (await store.files.text(file.id)) ?? null,
      });
    }
  }
  const views = await store.files.listAgentFiles(agentId);
  const filesAgents = views
    .filter((view) => into.files.has(view.file_id))
    .map((view) => ({
      id: ids.of("file_agent", `${agentId}:${view.file_id}`),
      agent_id: ids.of("agent", agentId),
      file_id: ids.of("file", view.file_id),
      source_id: ids.of("source", view.source_id),
      file_name: view.file_name,
      is_open: view.is_open,
      visible_content: view.visible_content,
      last_accessed_at: view.last_accessed_at,
      start_line: view.start_line,
      end_line: view.end_line,
    }));
  return { sourceIds: sources.map((source) => ids.of("source", source.id)), filesAgents };
}

async function allFiles(store: Store, sourceId: string): Promise<FileMetadata[]> {
  const files: FileMetadata[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.files.list({ source_id: sourceId, order: "asc", limit: FILE_PAGE, after });
    files.push(...page);
    if (page.length < FILE_PAGE) return files;
    after = page.at(-1)?.id;
  }
}

/** One folder of the file, as read on import. */
interface FileSource {
  id: string;
  name?: unknown;
  description?: unknown;
  instructions?: unknown;
  metadata?: unknown;
  embedding_config?: unknown;
}

/** One file of a folder, as read on import. */
interface FileEntry {
  id: string;
  source_id?: unknown;
  file_name?: unknown;
  original_file_name?: unknown;
  file_type?: unknown;
  content?: unknown;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/**
 * Creates the file's folders (a name already taken gets a `_(n)` suffix) and their files, each with a
 * processing job in the same transaction. Returns the new folder id of each file-local one.
 */
export async function importFolders(
  tx: Store,
  file: AgentFile,
  deps: { clock: Clock; ids: IdGenerator },
  notes: string[],
): Promise<Map<string, string>> {
  const now = deps.clock.now().toISOString();
  const sourceIds = new Map<string, string>();
  for (const entry of (file.sources ?? []) as FileSource[]) {
    const wanted = text(entry.name) ?? entry.id;
    const name = await freeFolderName(tx, wanted);
    if (name !== wanted) notes.push(`folder '${wanted}' already exists: imported as '${name}'`);
    const config = entry.embedding_config as Source["embedding_config"] | undefined;
    const source = await tx.sources.create({
      id: deps.ids.next("source"),
      name,
      description: text(entry.description),
      instructions: text(entry.instructions),
      metadata: (entry.metadata as Source["metadata"]) ?? null,
      embedding_config: config ? normalizeLegacyEmbeddingConfig(config) : null,
      vector_db_provider: "native",
      created_by_id: null,
      last_updated_by_id: null,
      created_at: now,
      updated_at: now,
    });
    sourceIds.set(entry.id, source.id);
  }
  let skipped = 0;
  let queued = 0;
  for (const entry of (file.files ?? []) as FileEntry[]) {
    const sourceId = sourceIds.get(text(entry.source_id) ?? "");
    const content = text(entry.content);
    if (sourceId === undefined || !content) {
      skipped++;
      continue;
    }
    let fileName = text(entry.file_name) ?? `${entry.id}.txt`;
    let type = detectFileType(fileName, text(entry.file_type) ?? undefined);
    if (type === undefined || BINARY_KINDS.has(type.kind)) {
      // The file carries extracted text, not the original PDF or HTML bytes.
      fileName = `${fileName}.md`;
      type = detectFileType(fileName, "text/markdown");
    }
    const bytes = new TextEncoder().encode(content);
    const id = deps.ids.next("file");
    await tx.files.create(
      {
        id,
        source_id: sourceId,
        file_name: fileName,
        original_file_name: text(entry.original_file_name) ?? fileName,
        file_path: null,
        file_type: type?.mime ?? "text/markdown",
        file_size: bytes.byteLength,
        file_creation_date: null,
        file_last_modified_date: null,
        processing_status: "pending",
        error_message: null,
        total_chunks: null,
        chunks_embedded: null,
        created_at: now,
        updated_at: now,
      },
      bytes,
    );
    await enqueueJob(tx, deps, {
      kind: PROCESS_FILE_JOB,
      payload: { file_id: id },
      concurrency_key: `file:${id}`,
      max_attempts: 3,
    });
    queued++;
  }
  if (queued > 0) notes.push(`${queued} file(s) queued for processing (parsing, chunking, embedding)`);
  if (skipped > 0) notes.push(`${skipped} file(s) without content or folder were not imported`);
  return sourceIds;
}

async function freeFolderName(tx: Store, wanted: string): Promise<string> {
  if ((await tx.sources.getByName(wanted)) === undefined) return wanted;
  for (let count = 1; ; count++) {
    const candidate = `${wanted}_(${count})`;
    if ((await tx.sources.getByName(candidate)) === undefined) return candidate;
  }
}
