import type { Clock, EmbeddingConfig, IdGenerator, Message } from "../../domain/index.js";
import type { Embedder } from "../../llm/providers/embeddings.js";
import { LlmError } from "../../llm/providers/llm-error.js";
import type { Store } from "../../store/store.js";
import type { AfterTurnHook } from "../agent-loop/agent-loop.js";
import { enqueueJob, type JobHandler, PermanentJobError } from "../jobs/job-worker.js";
import { isRecallable, RECALL_ROLES, turnEmbeddingText } from "./recall-text.js";

/** The job kind that embeds an agent's new messages after its turns. */
export const EMBED_MESSAGES_JOB = "embed_messages";

/** Messages embedded per request (and per store write). */
const DEFAULT_BATCH_SIZE = 64;

/**
 * Embeds for a background job. The embedder has already retried transient failures; one it calls
 * permanent (bad credentials, a wrong dimension, an unknown model) fails the job at once rather than
 * after minutes of backoff, with the provider's message.
 */
export async function embedForJob(
  embedder: Embedder,
  texts: readonly string[],
  config: EmbeddingConfig,
  signal?: AbortSignal | undefined,
): Promise<number[][]> {
  if (texts.length === 0) return [];
  try {
    return await embedder.embed(texts, config, { abortSignal: signal });
  } catch (error) {
    if (error instanceof LlmError && !error.retryable) throw new PermanentJobError(error.message);
    throw error;
  }
}

/**
 * Names an embedding model and its dimension: what a stored vector was made by. Two configs with the
 * same key give the same vectors, so a message or passage with the agent's key needs no new embedding.
 */
export function embeddingModelKey(config: EmbeddingConfig): string {
  const model = config.handle ?? `${config.embedding_endpoint_type}/${config.embedding_model}`;
  return `${model}:${config.embedding_dim}`;
}

/**
 * How message vectors are made (see turnEmbeddingText): part of their key, so that vectors made the
 * older way (each turn alone) are re-embedded by the next embedding job rather than compared with the
 * new ones. Change it whenever turnEmbeddingText changes.
 */
export const MESSAGE_TEXT_RECIPE = "with-previous-turn";

/**
 * The key message vectors are stored and searched under: the model ({@link embeddingModelKey}) and how
 * the text was put together ({@link MESSAGE_TEXT_RECIPE}).
 */
export function messageEmbeddingKey(config: EmbeddingConfig): string {
  return `${embeddingModelKey(config)}:${MESSAGE_TEXT_RECIPE}`;
}

export interface EmbedMessagesOptions {
  store: Store;
  embedder: Embedder;
  agentId: string;
  config: EmbeddingConfig;
  batchSize?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Told after each batch is stored, with how many messages this call has processed. */
  onBatch?: ((processed: number) => Promise<void>) | undefined;
}

/**
 * Embeds every message of the agent that `config`'s model has not processed yet, oldest first, batch by
 * batch; each batch is stored before the next is requested, so an interrupted run resumes where it
 * stopped. Messages recall never returns (tool results, earlier searches) are marked without a vector.
 * Returns how many messages were processed.
 */
export async function embedAgentMessages(options: EmbedMessagesOptions): Promise<number> {
  const { store, embedder, agentId, config } = options;
  const model = messageEmbeddingKey(config);
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  let processed = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const batch = await store.messages.listUnembedded({
      agent_id: agentId,
      model,
      roles: [...RECALL_ROLES],
      limit: batchSize,
    });
    if (batch.length === 0) return processed;
    const wanted = batch.filter(isRecallable);
    const texts = await turnEmbeddingTexts(store, wanted, batch);
    const vectors = await embedForJob(embedder, texts, config, options.signal);
    const byId = new Map(wanted.map((message, index) => [message.id, vectors[index] ?? null]));
    await store.messages.setEmbeddings(
      batch.map((message) => ({ id: message.id, embedding: byId.get(message.id) ?? null, model })),
    );
    processed += batch.length;
    await options.onBatch?.(processed);
  }
}

/** How many turns back the search for a message's previous recallable turn goes (see turnEmbeddingTexts). */
const PREVIOUS_TURN_HOPS = 4;

/**
 * The text each message's vector is made from: its own words, then the previous recallable turn of its
 * conversation ({@link turnEmbeddingText}). The previous turn is looked up with `adjacent`, skipping up to
 * {@link PREVIOUS_TURN_HOPS} messages recall never returns (a tool call without words); `loaded` are
 * messages already at hand (the batch), so only the others are read.
 */
export async function turnEmbeddingTexts(
  store: Store,
  messages: readonly Message[],
  loaded: readonly Message[] = messages,
): Promise<string[]> {
  const known = new Map(loaded.map((message) => [message.id, message]));
  const previousOf = new Map<string, Message | undefined>();
  // Each pending entry: the message we embed, and the id whose previous turn we ask for next.
  let pending = messages.map((message) => ({ owner: message.id, at: message.id }));
  for (let hop = 0; hop < PREVIOUS_TURN_HOPS && pending.length > 0; hop++) {
    const adjacent = await store.messages.adjacent(
      pending.map((entry) => entry.at),
      RECALL_ROLES,
    );
    const unknown = [...adjacent.values()].flatMap((pair) =>
      pair.previous !== null && !known.has(pair.previous) ? [pair.previous] : [],
    );
    for (const message of await store.messages.getMany([...new Set(unknown)])) known.set(message.id, message);
    const next: typeof pending = [];
    for (const entry of pending) {
      const previous = known.get(adjacent.get(entry.at)?.previous ?? "");
      if (previous === undefined) continue;
      if (isRecallable(previous)) previousOf.set(entry.owner, previous);
      else next.push({ owner: entry.owner, at: previous.id });
    }
    pending = next;
  }
  return messages.map((message) => turnEmbeddingText(message, previousOf.get(message.id)));
}

/** How long a follow-up embedding job waits, so the running one it follows has usually finished. */
const FOLLOW_UP_DELAY_MS = 5000;

/**
 * Enqueues the embedding of an agent's new messages; one queued job per agent at a time. When that
 * job is already running it may have made its last check for new messages before this turn committed,
 * so a follow-up job (a key of its own, at most one queued) picks up whatever it leaves.
 */
export async function enqueueMessageEmbedding(
  store: Store,
  deps: { clock: Clock; ids: IdGenerator },
  agentId: string,
) {
  const job = (key: string, runAfter?: string) =>
    enqueueJob(store, deps, {
      kind: EMBED_MESSAGES_JOB,
      payload: { agent_id: agentId },
      concurrency_key: key,
      max_attempts: 5,
      run_after: runAfter,
    });
  const queued = await job(`${EMBED_MESSAGES_JOB}:${agentId}`);
  if (queued.created || queued.job.status !== "running") return queued;
  const later = new Date(deps.clock.now().getTime() + FOLLOW_UP_DELAY_MS).toISOString();
  return job(`${EMBED_MESSAGES_JOB}:${agentId}:follow-up`, later);
}

/**
 * After each turn of an agent with an embedding model, in the turn's own transaction: enqueue the
 * embedding of its new messages, so that they are found by meaning from then on (by text at once).
 */
export function messageEmbeddingHook(deps: {
  clock: Clock;
  ids: IdGenerator;
  embedder?: Embedder | undefined;
}): AfterTurnHook {
  return async (tx, turn) => {
    if (deps.embedder === undefined || turn.agent.embedding_config === null) return;
    await enqueueMessageEmbedding(tx, deps, turn.agent.id);
  };
}

/** The handler of {@link EMBED_MESSAGES_JOB}: embeds whatever the agent's model has not seen yet. */
export function embedMessagesHandler(deps: { store: Store; embedder: Embedder }): JobHandler {
  return {
    kind: EMBED_MESSAGES_JOB,
    async run({ job, signal, progress }) {
      const agentId = job.payload.agent_id;
      if (typeof agentId !== "string") throw new PermanentJobError("payload.agent_id is missing");
      const agent = await deps.store.agents.get(agentId);
      // Deleted since, or its embedding model removed: nothing left to do.
      if (agent === undefined || agent.embedding_config === null) return { embedded: 0 };
      const embedded = await embedAgentMessages({
        store: deps.store,
        embedder: deps.embedder,
        agentId,
        config: agent.embedding_config,
        signal,
        onBatch: (done) => progress({ done }),
      });
      return { embedded };
    },
  };
}
