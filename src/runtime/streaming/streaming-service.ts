import {
  type Clock,
  type IdGenerator,
  type LettaResponse,
  notFound,
  ReverieError,
  type Run,
  type SendMessageRequest,
} from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import type { Store } from "../../store/store.js";
import type { AgentLoop, TurnRequest, TurnResult } from "../agent-loop/agent-loop.js";
import { DEFAULT_MAX_STEPS } from "../agent-loop/agent-loop.js";
import type { TurnLocks } from "../agent-loop/turn-locks.js";
import { enqueueJob } from "../jobs/job-worker.js";
import { toViews, turnOptionsOf } from "../messaging-service.js";
import { errorChunk, type StreamChunk, stopReasonChunk, usageChunk } from "./chunks.js";
import { repeatedRun, responseOfStream } from "./repeated-sends.js";
import { createRunCancellation, resolveConversationTarget } from "./run-cancellation.js";
import { type LiveRun, RunStreams } from "./run-streams.js";
import { storedRunChunks } from "./stored-run-chunks.js";
import { createTokenRelay } from "./token-relay.js";

/** The job that runs an accepted async send its process never started (it crashed or stopped). */
export const RESUME_ASYNC_RUN_JOB = "resume_async_run";
/** How long an accepted async run may stay `created` before its resume job takes it. */
const RESUME_GRACE_MS = 10_000;
const RESUME_ATTEMPTS = 5;

/** Where a turn runs: the agent, and a conversation (`null` or `default`: the agent's own window). */
export interface TurnTarget {
  agentId: string;
  conversationId?: string | null | undefined;
}

/** How to follow a run's chunks. */
export interface FollowOptions {
  startingAfter?: number | undefined;
  /** How often a run going on in another process is re-read (default 100 ms). */
  pollIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Streamed, background and async turns; their cancellation; re-attaching to a run's stream. */
export function createStreamingService(deps: {
  store: Store;
  models: Pick<ModelRegistry, "resolveLlm">;
  loop: AgentLoop;
  clock: Clock;
  ids: IdGenerator;
  locks: TurnLocks;
  /** How long a finished run's chunks stay replayable from memory (default 5 minutes). */
  retentionMs?: number | undefined;
}) {
  const { store, loop, clock, ids } = deps;
  const streams = new RunStreams(deps.retentionMs);
  const cancellation = createRunCancellation({ ...deps, streams });
  const { activeRuns } = cancellation;

  /**
   * Starts a turn whose chunks go to its run's stream and resolves once the run is running; a request
   * the turn refuses (unknown agent, pending approval, busy) rejects as a plain send would.
   */
  async function start(target: TurnTarget, body: SendMessageRequest, runId?: string): Promise<LiveRun> {
    const options = await turnOptionsOf(deps.models, body);
    const id = runId ?? ids.next("run");
    const live = streams.open(id, {
      agentId: target.agentId,
      conversationId: target.conversationId === "default" ? null : (target.conversationId ?? null),
      background: body.background ?? false,
    });
    const relay = body.stream_tokens
      ? createTokenRelay({ clock, view: body, send: (chunk) => live.stream.push(chunk) })
      : undefined;
    let started = false;
    let markStarted: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const turn = loop.runTurn({
      agentId: target.agentId,
      conversationId: target.conversationId,
      ...options,
      runId: id,
      background: body.background,
      signal: live.controller.signal,
      onStart: () => {
        started = true;
        markStarted();
      },
      onMessage: (message) => {
        for (const view of toViews([message], body)) {
          if (!relay?.wasStreamed(view.otid)) live.stream.push(view);
        }
      },
      onModelEvent: relay?.onModelEvent,
    });
    live.settled = turn
      .then(
        (result) => endStream(live, result),
        (error: unknown) => (started ? failStream(live, error) : streams.discard(id)),
      )
      .catch((error: unknown) => console.error(`run ${id}: its stream could not be ended:`, error));
    await Promise.race([running, turn]);
    return live;
  }

  /**
   * Runs a turn that is not streamed (a JSON send) registered like a streamed one: cancelling it aborts
   * its LLM call, and its run's chunks can be followed with `POST /v1/runs/{run_id}/stream`.
   */
  async function runTurn(request: TurnRequest): Promise<TurnResult> {
    const controller = new AbortController();
    let live: LiveRun | undefined;
    try {
      const result = await loop.runTurn({
        ...request,
        signal: request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal,
        onStart: (run) => {
          live = streams.open(run.id, {
            agentId: run.agent_id,
            conversationId: run.conversation_id,
            background: true,
            controller,
          });
          request.onStart?.(run);
        },
        onMessage: (message) => {
          request.onMessage?.(message);
          for (const view of toViews([message])) live?.stream.push(view);
        },
      });
      if (live) endStream(live, result);
      return result;
    } catch (error) {
      if (live) await failStream(live, error);
      throw error;
    }
  }

  function endStream(live: LiveRun, result: TurnResult): void {
    live.stream.push(stopReasonChunk(result.stopReason));
    live.stream.push(result.run.status === "failed" ? errorChunk(result.run) : usageChunk(result.usage));
    streams.finish(live.stream.runId);
  }

  /** A turn that threw after its run started (an internal fault): the run fails, the stream says so. */
  async function failStream(live: LiveRun, error: unknown): Promise<void> {
    const runId = live.stream.runId;
    const message = error instanceof Error ? error.message : String(error);
    const metadata = { error: { error_type: "internal_error", message, detail: message, retryable: false } };
    try {
      await store.runs.update(runId, {
        status: "failed",
        stop_reason: "error",
        completed_at: clock.now().toISOString(),
        metadata,
      });
    } catch (cause) {
      console.error(`run ${runId}: could not record its failure:`, cause);
    }
    live.stream.push(stopReasonChunk("error"));
    live.stream.push(errorChunk({ metadata }));
    streams.finish(runId);
  }

  /** Records why an accepted run never started, if it is still waiting to start. */
  async function failCreatedRun(runId: string, error: unknown): Promise<void> {
    const current = await store.runs.get(runId);
    if (current?.status !== "created") return;
    const message = error instanceof Error ? error.message : String(error);
    const failure = { error_type: "internal_error", message, detail: message, retryable: false };
    await store.runs.update(runId, {
      status: "failed",
      stop_reason: "error",
      completed_at: clock.now().toISOString(),
      metadata: { error: failure },
    });
  }

  /** The chunks of a run after `startingAfter`: from memory while buffered, else rebuilt from the store. */
  async function follow(runId: string, options: FollowOptions = {}): Promise<AsyncIterable<StreamChunk>> {
    const startingAfter = options.startingAfter ?? 0;
    const live = streams.get(runId);
    if (live) return live.stream.follow(startingAfter, options.signal);
    const run = await store.runs.get(runId);
    if (!run) throw notFound("Run", runId);
    return storedRunChunks(store, run, {
      startingAfter,
      pollIntervalMs: options.pollIntervalMs ?? 100,
      signal: options.signal,
    });
  }

  /** The window of a target: its agent, and its conversation (null: the agent's own window). */
  const windowOf = (target: TurnTarget) => ({
    agentId: target.agentId,
    conversationId: target.conversationId === "default" ? null : (target.conversationId ?? null),
  });

  /**
   * Starts a streamed turn, unless the request repeats the input of a run going on or completed in the
   * window (the same message otids: a client's retry), whose id is then returned to re-attach to. A
   * repeat that finds the window busy with its first send (not yet recorded) re-attaches too.
   */
  async function startOrReattach(
    target: TurnTarget,
    body: SendMessageRequest,
  ): Promise<{ live: LiveRun } | { runId: string }> {
    const earlier = await repeatedRun(store, windowOf(target), body);
    if (earlier) return { runId: earlier.id };
    try {
      return { live: await start(target, body) };
    } catch (error) {
      const again =
        error instanceof ReverieError && error.code === "busy"
          ? await repeatedRun(store, windowOf(target), body)
          : undefined;
      if (again) return { runId: again.id };
      throw error;
    }
  }

  /** The agent and conversation a conversation route names (`default` takes the agent from the request). */
  const resolveConversation = (conversationId: string, agentId: string | null | undefined) =>
    resolveConversationTarget(store, conversationId, agentId);

  return {
    /** Starts a streamed turn; read its chunks with {@link follow}. */
    start,

    startOrReattach,

    /**
     * The JSON answer of a send that repeats an earlier one's input (see {@link startOrReattach}): that
     * run's, once it ends; undefined when the send is not a repeat.
     */
    async repeatedResponse(target: TurnTarget, body: SendMessageRequest): Promise<LettaResponse | undefined> {
      const earlier = await repeatedRun(store, windowOf(target), body);
      if (!earlier) return undefined;
      return responseOfStream(store, earlier.id, await follow(earlier.id));
    },

    runTurn,

    resolveConversation,

    /** Creates the run at once and runs the turn in the background (`/messages/async`). */
    async startAsync(
      target: TurnTarget,
      body: SendMessageRequest,
      callbackUrl?: string | null,
    ): Promise<Run> {
      // Refused before a run exists: no messages, an unknown per-request model, an unknown agent.
      await turnOptionsOf(deps.models, body);
      if (!(await store.agents.get(target.agentId))) throw notFound("Agent", target.agentId);
      const earlier = await repeatedRun(store, windowOf(target), body);
      if (earlier) return earlier;
      const conversationId = target.conversationId === "default" ? null : (target.conversationId ?? null);
      const now = clock.now();
      // The run and a job that resumes it commit together before the answer: if this process dies
      // before the turn records its input, the job (due after a grace period) runs the turn then.
      const run = await store.transaction(async (tx) => {
        const created = await tx.runs.create({
          id: ids.next("run"),
          agent_id: target.agentId,
          conversation_id: conversationId,
          status: "created",
          stop_reason: null,
          background: true,
          run_type: "send_message",
          request_config: { max_steps: body.max_steps ?? DEFAULT_MAX_STEPS },
          metadata: null,
          callback_url: callbackUrl ?? null,
          created_at: now.toISOString(),
          completed_at: null,
          total_duration_ns: null,
          ttft_ns: null,
        });
        await enqueueJob(
          tx,
          { clock, ids },
          {
            kind: RESUME_ASYNC_RUN_JOB,
            payload: { run_id: created.id, agent_id: target.agentId, conversation_id: conversationId, body },
            concurrency_key: `run:${created.id}`,
            max_attempts: RESUME_ATTEMPTS,
            run_after: new Date(now.getTime() + RESUME_GRACE_MS).toISOString(),
          },
        );
        return created;
      });
      start(target, { ...body, background: true }, run.id).catch(async (error: unknown) => {
        // Refused before it started (busy window, pending approval): the run records why, unless its
        // resume job started it meanwhile.
        await failCreatedRun(run.id, error).catch((cause: unknown) =>
          console.error(`run ${run.id}: could not record its failure:`, cause),
        );
      });
      return run;
    },

    follow,

    failCreatedRun,

    /** The run a conversation's client re-attaches to: by `run_id`, by its input's `otid`, else the active one. */
    async findConversationRun(
      conversationId: string,
      lookup: { agent_id?: string | null; run_id?: string | null; otid?: string | null },
    ): Promise<string> {
      const target = await resolveConversation(conversationId, lookup.agent_id);
      if (lookup.run_id) return lookup.run_id;
      if (lookup.otid) {
        const [sent] = await store.messages.list({
          agent_id: target.agentId,
          conversation_id: target.conversationId,
          otids: [lookup.otid],
          order: "desc",
          limit: 1,
        });
        if (sent?.run_id) return sent.run_id;
        throw new ReverieError("not_found", `No run found for otid '${lookup.otid}'`);
      }
      const [active] = await activeRuns(target.agentId, target.conversationId);
      if (!active) throw new ReverieError("invalid_argument", "No active runs found for this conversation.");
      return active.id;
    },

    ...cancellation,
  };
}

export type StreamingService = ReturnType<typeof createStreamingService>;
