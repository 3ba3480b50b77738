import type { AgentRecord, Clock, IdGenerator, LlmConfig, Message } from "../../domain/index.js";
import { newMessageRecord, ReverieError } from "../../domain/index.js";
import type { ModelRegistry } from "../../llm/model-registry.js";
import { LlmError } from "../../llm/providers/llm-error.js";
import type { ModelProvider, ToolDefinition } from "../../llm/providers/types.js";
import type { Store } from "../../store/store.js";
import { type ContextWindow, compileSystemPrompt, saveWindowIds } from "../agent-loop/context-window.js";
import { formatLettaTime } from "../memory/letta-time.js";
import { planEviction, windowLayout } from "./eviction-plan.js";
import type { RequestSizer } from "./request-size.js";
import {
  clipSummary,
  clipTranscript,
  summarizerInput,
  summarizerPrompt,
  summaryMessageText,
  transcriptLines,
} from "./transcript.js";

/** An agent's `compaction_settings` (Letta's CompactionSettings). */
export type CompactionSettings = NonNullable<AgentRecord["compaction_settings"]>;

/** Thresholds, as fractions of the model's context window. */
export interface CompactionThresholds {
  /** A request estimated above this compacts first (Letta: 0.9). */
  trigger?: number | undefined;
}

/** Why a compaction runs: a request over the threshold, a provider that refused it, or a caller. */
export type CompactionReason = "threshold" | "overflow" | "manual";

export interface CompactionRequest {
  agent: AgentRecord;
  /** Rewritten in place when the compaction happens. */
  window: ContextWindow;
  /** The tool definitions the next request carries (they count against the window). */
  tools: readonly ToolDefinition[];
  /** The running turn, whose input is never evicted. */
  runId?: string | undefined;
  reason: CompactionReason;
  settings?: CompactionSettings | null | undefined;
}

export interface CompactionOutcome {
  summary: string;
  /** The stored summary message, placed right after the system message. */
  message: Message;
  evicted: number;
  tokensBefore: number;
  tokensAfter: number;
}

export interface CompactorDeps {
  store: Store;
  provider: ModelProvider;
  models: ModelRegistry;
  clock: Clock;
  ids: IdGenerator;
  sizer: RequestSizer;
  thresholds?: CompactionThresholds | undefined;
}

const DEFAULT_TRIGGER = 0.9;
const DEFAULT_EVICT_FRACTION = 0.3;
const DEFAULT_CLIP_CHARS = 50_000;
/** The summary message's own words around the summary (the `system_alert` note, time, JSON). */
const SUMMARY_FRAMING_TOKENS = 80;

/**
 * A request that cannot fit the context window whatever is evicted. It stops the turn with the stop
 * reason in `details` (Letta's `context_window_overflow_in_system_prompt` when the system prompt and
 * tools alone are too big); over HTTP it is a 400.
 */
export function contextOverflowError(message: string, inSystemPrompt: boolean): ReverieError {
  return new ReverieError("invalid_argument", message, {
    details: { stop_reason: inSystemPrompt ? "context_window_overflow_in_system_prompt" : "error" },
  });
}

/** The room a summary may take: a tenth of the window, within sensible bounds. */
function summaryBudget(contextWindow: number): number {
  return Math.max(64, Math.min(1_000, Math.floor(contextWindow * 0.1)));
}

/** Compacts windows: evicts the oldest messages into a model-written summary, in one transaction. */
export function createCompactor(deps: CompactorDeps) {
  const { store, sizer, clock, ids } = deps;
  const triggerFraction = deps.thresholds?.trigger ?? DEFAULT_TRIGGER;

  /** The summarizer model: `compaction_settings.model` when it resolves (letta-code sends `letta/auto`). */
  async function summarizerModel(agent: AgentRecord, settings: CompactionSettings): Promise<LlmConfig> {
    if (!settings.model || settings.model === agent.llm_config.handle) return agent.llm_config;
    try {
      return await deps.models.resolveLlm(settings.model);
    } catch {
      return agent.llm_config;
    }
  }

  async function summarize(
    agent: AgentRecord,
    evicted: readonly Message[],
    settings: CompactionSettings,
    budget: number,
  ): Promise<string> {
    const model = await summarizerModel(agent, settings);
    const counter = sizer.counterFor(model);
    const system = settings.prompt || summarizerPrompt(Math.max(40, Math.floor(budget * 0.6)));
    const maxOutputTokens = Math.max(256, budget * 2);
    // The transcript takes what is left of the summarizer's window after its prompt and its reply.
    const room = Math.floor(model.context_window * 0.9) - counter.countText(system) - maxOutputTokens - 64;
    const transcript = clipTranscript(transcriptLines(evicted), Math.max(256, room), counter.countText);
    const response = await deps.provider.generate({
      model,
      system,
      messages: [{ role: "user", content: summarizerInput(transcript) }],
      maxOutputTokens,
      reasoning: false,
    });
    const summary = response.text.trim();
    if (!summary) {
      throw new LlmError({
        kind: "invalid_response",
        model: model.handle ?? model.model,
        detail: "The summarizer returned an empty summary",
      });
    }
    // A summary longer than planned is cut, so the compacted window keeps the room it was planned with.
    const tokens = counter.countText(summary);
    const planned = tokens > budget ? Math.floor((summary.length * budget) / tokens) : summary.length;
    return clipSummary(summary, Math.min(planned, settings.clip_chars ?? DEFAULT_CLIP_CHARS));
  }

  /**
   * Compacts the window when the request would exceed the trigger (always for `overflow` and
   * `manual`). Returns undefined when nothing was done; throws {@link contextOverflowError} when the
   * request cannot fit even with everything evictable summarized.
   */
  async function compact(request: CompactionRequest): Promise<CompactionOutcome | undefined> {
    const { agent, window, tools } = request;
    const model = agent.llm_config;
    const limit = model.context_window;
    const messages = window.messages;
    const [system] = messages;
    const trigger = Math.floor(limit * triggerFraction);
    if (!system || (request.reason === "threshold" && sizer.upperBound(messages, tools) <= trigger)) return;
    const before = sizer.measure(model, messages, tools);
    if (request.reason === "threshold" && before.total <= trigger) return;

    const layout = windowLayout(messages, request.runId);
    const { pinned } = layout;
    const fixed = [
      system,
      ...(pinned ? messages.slice(pinned.start, pinned.end) : []),
      ...messages.slice(layout.tailStart),
    ];
    const fixedSize = sizer.measure(model, fixed, tools);
    if (fixedSize.total > limit) {
      const base = fixedSize.system + fixedSize.tools;
      throw contextOverflowError(
        base > limit
          ? `The system prompt and tool definitions take ${base} tokens, more than the context window of ${limit} tokens: shorten the system prompt or memory blocks, detach tools, or use a model with a larger window`
          : `The current input takes ${fixedSize.total} tokens with the system prompt, more than the context window of ${limit} tokens`,
        base > limit,
      );
    }

    const settings = request.settings ?? agent.compaction_settings ?? {};
    const fraction = settings.sliding_window_percentage ?? DEFAULT_EVICT_FRACTION;
    const evictFraction = Math.min(0.9, Math.max(0.1, fraction));
    const budget = summaryBudget(limit);
    const sizeOf = (kept: readonly Message[]) =>
      sizer.measure(model, [system, ...kept], tools).total + budget + SUMMARY_FRAMING_TOKENS;
    const plan = planEviction(messages, layout, {
      sizeOf,
      goal: Math.floor(limit * (1 - evictFraction)),
      startTenths: Math.round(evictFraction * 10),
      mode: settings.mode === "all" || settings.mode === "self_compact_all" ? "all" : "sliding_window",
    });
    if (!plan) return;
    if (sizeOf(plan.kept) > limit) {
      throw contextOverflowError(
        `The conversation cannot fit the context window of ${limit} tokens even after summarizing every older message: the current turn's messages are too large`,
        false,
      );
    }

    const summary = await summarize(agent, plan.evicted, settings, budget);
    const now = clock.now();
    const record = newMessageRecord({
      id: ids.next("message"),
      agent_id: agent.id,
      conversation_id: window.owner.kind === "conversation" ? window.owner.conversation.id : null,
      role: "summary",
      content: [
        {
          type: "text",
          text: summaryMessageText(plan.evicted.length, summary, formatLettaTime(now, agent.timezone)),
        },
      ],
      run_id: request.runId ?? null,
      created_at: now.toISOString(),
    });
    const { rebuilt, message } = await store.transaction(async (tx) => {
      const [stored] = await tx.messages.append([record]);
      const windowIds = [system.id, stored!.id, ...plan.kept.map((kept) => kept.id)];
      // Letta forces a rebuild after compaction: the recall count in the metadata has changed.
      const text = await compileSystemPrompt(tx, agent, window.owner, windowIds.length, clock);
      const updated = await tx.messages.update(system.id, { content: [{ type: "text", text }] });
      await saveWindowIds(tx, window.owner, windowIds, now.toISOString());
      return { rebuilt: updated ?? system, message: stored! };
    });
    messages.splice(0, messages.length, rebuilt, message, ...plan.kept);
    const after = sizer.measure(model, messages, tools);
    if (after.total > limit) {
      throw contextOverflowError(
        `The conversation takes ${after.total} tokens after summarization, more than the context window of ${limit} tokens`,
        false,
      );
    }
    return {
      summary,
      message,
      evicted: plan.evicted.length,
      tokensBefore: before.total,
      tokensAfter: after.total,
    };
  }

  return { compact };
}

export type Compactor = ReturnType<typeof createCompactor>;
