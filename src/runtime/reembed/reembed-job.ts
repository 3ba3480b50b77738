import type { Clock, EmbeddingConfig, IdGenerator, Job, Passage } from "../../domain/index.js";
import type { Embedder } from "../../llm/providers/embeddings.js";
import type { Store } from "../../store/store.js";
import { enqueueJob, type JobHandler, PermanentJobError } from "../jobs/job-worker.js";
import {
  embedAgentMessages,
  embeddingModelKey,
  embedForJob,
  messageEmbeddingKey,
} from "../recall/message-embedding.js";
import { RECALL_ROLES } from "../recall/recall-text.js";

/** The job kind that re-embeds an agent's archival and recall memory with its current model. */
export const REEMBED_JOB = "reembed_agent";

/** Passages read, embedded and written per batch. */
const PASSAGE_BATCH = 64;

/** Progress a re-embedding job records: items processed out of the total it found. */
export interface ReembedProgress {
  done: number;
  total: number;
  /** The model being embedded with (`embeddingModelKey`). */
  model: string;
}

/** The one queued-or-running re-embedding job of an agent. */
export function reembedConcurrencyKey(agentId: string): string {
  return `${REEMBED_JOB}:${agentId}`;
}

/**
 * Enqueues the re-embedding of an agent, or finds the one already queued or running (`created: false`).
 * Pass a transaction as `store` to enqueue together with the change that calls for it.
 */
export async function enqueueReembed(
  store: Store,
  deps: { clock: Clock; ids: IdGenerator },
  agentId: string,
): Promise<{ job: Job; created: boolean }> {
  return enqueueJob(store, deps, {
    kind: REEMBED_JOB,
    payload: { agent_id: agentId },
    concurrency_key: reembedConcurrencyKey(agentId),
    max_attempts: 5,
  });
}

/** Whether an agent update changed what its memory must be embedded with. */
export function embeddingModelChanged(
  before: EmbeddingConfig | null,
  after: EmbeddingConfig | null,
): boolean {
  if (after === null) return false;
  return before === null || embeddingModelKey(before) !== embeddingModelKey(after);
}

function embeddedWith(passage: Passage, config: EmbeddingConfig): boolean {
  return (
    passage.embedding !== null &&
    passage.embedding.length === config.embedding_dim &&
    passage.embedding_config !== null &&
    embeddingModelKey(passage.embedding_config) === embeddingModelKey(config)
  );
}

/**
 * The handler of {@link REEMBED_JOB}. Re-embeds every passage of the agent's archives (each moves to the
 * index of the new dimension and records the new config, so none is lost or left half-done) and every
 * recallable message, in batches, recording progress. Work already done is skipped, so a job cut off by
 * a crash resumes where it stopped. Should the agent's model change again meanwhile, it starts over
 * with the new one before finishing.
 */
export function reembedHandler(deps: { store: Store; embedder: Embedder }): JobHandler {
  const { store, embedder } = deps;
  return {
    kind: REEMBED_JOB,
    async run({ job, signal, progress }) {
      const agentId = job.payload.agent_id;
      if (typeof agentId !== "string") throw new PermanentJobError("payload.agent_id is missing");
      for (;;) {
        const agent = await store.agents.get(agentId);
        if (agent === undefined) throw new PermanentJobError(`agent ${agentId} no longer exists`);
        const config = agent.embedding_config;
        if (config === null) return { skipped: "the agent has no embedding model" };
        const model = embeddingModelKey(config);

        const archives = await store.archives.listForAgent(agentId);
        const archiveIds = archives.map((archive) => archive.id);
        const messagesDue = await store.messages.countUnembedded({
          agent_id: agentId,
          model: messageEmbeddingKey(config),
          roles: [...RECALL_ROLES],
        });
        const state: ReembedProgress = {
          done: 0,
          total: (await store.passages.count(archiveIds)) + messagesDue,
          model,
        };
        await progress({ ...state });

        let reembedded = 0;
        let after: string | undefined;
        for (;;) {
          signal.throwIfAborted();
          const page = await store.passages.list({
            archive_ids: archiveIds,
            order: "asc",
            limit: PASSAGE_BATCH,
            after,
          });
          if (page.length === 0) break;
          after = page[page.length - 1]?.id;
          const due = page.filter((passage) => !embeddedWith(passage, config));
          if (due.length > 0) {
            const vectors = await embedForJob(
              embedder,
              due.map((passage) => passage.text),
              config,
              signal,
            );
            await store.transaction(async (tx) => {
              for (const [index, passage] of due.entries()) {
                await tx.passages.setEmbedding(passage.id, vectors[index] ?? null, config);
              }
            });
          }
          reembedded += due.length;
          state.done += page.length;
          await progress({ ...state });
        }
        for (const archive of archives) {
          const current = archive.embedding_config;
          if (current === null || embeddingModelKey(current) !== model) {
            await store.archives.update(archive.id, { embedding_config: config });
          }
        }

        const passagesDone = state.done;
        const messages = await embedAgentMessages({
          store,
          embedder,
          agentId,
          config,
          signal,
          onBatch: async (processed) => {
            state.done = Math.min(state.total, passagesDone + processed);
            await progress({ ...state });
          },
        });
        state.done = state.total;
        await progress({ ...state });

        const latest = await store.agents.get(agentId);
        if (latest?.embedding_config && embeddingModelKey(latest.embedding_config) !== model) continue;
        return { model, passages: reembedded, messages, total: state.total };
      }
    },
  };
}
