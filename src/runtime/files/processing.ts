import type { Clock, FileMetadata, IdGenerator, Passage } from "../../domain/index.js";
import type { Embedder } from "../../llm/providers/embeddings.js";
import type { Store } from "../../store/store.js";
import { type JobHandler, PermanentJobError } from "../jobs/job-worker.js";
import { type CpuPool, inlineCpu } from "../workers/cpu-pool.js";
import { openFileView } from "./file-views.js";
import { detectFileType } from "./parsers.js";

/** The job kind that parses, chunks and embeds one uploaded file. */
export const PROCESS_FILE_JOB = "process_file";

/** Chunks embedded per request when the folder's config does not say. */
const DEFAULT_BATCH = 32;

export interface FileProcessingDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  /** Without it (or without a folder embedding config) chunks are stored for text search only. */
  embedder?: Embedder | undefined;
  /** Where parsing and chunking run (worker threads for large files); in place without it. */
  cpu?: CpuPool | undefined;
}

/**
 * Processes an uploaded file: `parsing` (text extracted and stored), `embedding` (chunks stored as
 * passages of the folder, embedded in batches, `chunks_embedded` advancing), then `completed`, and the
 * file opens for every agent the folder is attached to. A failure records `error` with the reason. An
 * attempt starts over from the stored upload, so a job retried after a crash does not duplicate chunks.
 */
export function createFileProcessingHandler(deps: FileProcessingDeps): JobHandler {
  const { store, clock, ids } = deps;
  const cpu = deps.cpu ?? inlineCpu;
  const now = () => clock.now().toISOString();

  return {
    kind: PROCESS_FILE_JOB,
    async run({ job, signal, progress }) {
      const fileId = typeof job.payload.file_id === "string" ? job.payload.file_id : undefined;
      if (fileId === undefined) throw new PermanentJobError("process_file: payload has no file_id");
      const file = await store.files.get(fileId);
      if (file === undefined) return { skipped: "file deleted" };
      if (file.processing_status === "completed") return { skipped: "already completed" };
      const source = await store.sources.get(file.source_id);
      if (source === undefined) return { skipped: "folder deleted" };

      const fail = async (reason: string): Promise<never> => {
        await store.files.update(fileId, { processing_status: "error", error_message: reason });
        throw new PermanentJobError(reason);
      };

      try {
        if (!(await store.files.update(fileId, { processing_status: "parsing", error_message: null }))) {
          return { skipped: "file deleted" };
        }
        const raw = await store.files.raw(fileId);
        const type = detectFileType(file.file_name ?? "", file.file_type ?? undefined);
        if (raw === undefined) return { skipped: "file deleted" };
        if (type === undefined) return await fail(`Unsupported file type: ${file.file_type ?? "unknown"}`);
        const parsed = await cpu.run(
          "parseFile",
          { bytes: raw, kind: type.kind },
          { size: raw.byteLength, signal },
        );
        if (!parsed.ok) return await fail(parsed.error);
        const text = parsed.value;
        if (!text.trim()) return await fail("No text could be extracted from the file");
        await store.files.setText(fileId, text);

        const config = source.embedding_config;
        const chunks = await cpu.run("chunkPassageText", { text, config }, { size: text.length, signal });
        await store.files.deletePassages(fileId);
        if (
          !(await store.files.update(fileId, {
            processing_status: "embedding",
            total_chunks: chunks.length,
            chunks_embedded: 0,
          }))
        ) {
          return { skipped: "file deleted" };
        }

        const embedder = config ? deps.embedder : undefined;
        const batchSize = Math.max(1, config?.batch_size ?? DEFAULT_BATCH);
        let embedded = 0;
        for (let start = 0; start < chunks.length; start += batchSize) {
          signal.throwIfAborted();
          const batch = chunks.slice(start, start + batchSize);
          const vectors =
            embedder && config ? await embedder.embed(batch, config, { abortSignal: signal }) : [];
          const stamp = now();
          const passages = batch.map(
            (chunk, index): Passage => ({
              id: ids.next("passage"),
              text: chunk,
              archive_id: null,
              source_id: source.id,
              file_id: fileId,
              file_name: file.file_name,
              tags: [],
              metadata: { chunk_index: start + index },
              embedding: vectors[index] ?? null,
              embedding_config: vectors[index] ? config : null,
              is_deleted: false,
              created_by_id: null,
              last_updated_by_id: null,
              created_at: stamp,
              updated_at: stamp,
            }),
          );
          const stillThere = await store.transaction(async (tx) => {
            if (!(await tx.files.get(fileId))) return false;
            await tx.passages.insert(passages);
            if (vectors.length > 0) embedded += batch.length;
            await tx.files.update(fileId, { chunks_embedded: embedded });
            return true;
          });
          if (!stillThere) return { skipped: "file deleted" };
          await progress({ chunks_done: start + batch.length, total_chunks: chunks.length });
        }

        const done = await store.files.update(fileId, { processing_status: "completed" });
        if (!done) return { skipped: "file deleted" };
        await openForAttachedAgents(done, text);
        return { total_chunks: chunks.length, chunks_embedded: embedded };
      } catch (error) {
        // Lost lease or shutdown: the next attempt starts over, so the status stays in progress.
        if (signal.aborted || error instanceof PermanentJobError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        return await fail(`Processing failed: ${reason}`);
      }
    },
  };

  /** Letta opens a newly processed file for the agents of its folder (closing LRU files past the limit). */
  async function openForAttachedAgents(file: FileMetadata, text: string): Promise<void> {
    await store.transaction(async (tx) => {
      const source = await tx.sources.get(file.source_id);
      if (!source) return;
      for (const agentId of await tx.sources.agentIds(source.id)) {
        const agent = await tx.agents.get(agentId);
        if (agent) await openFileView(tx, { agent, source, file, text, now: now() });
      }
    });
  }
}
