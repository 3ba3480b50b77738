import type { Message } from "../../domain/index.js";

/** What must stay in a window whatever compaction does, as index ranges of the window. */
export interface WindowLayout {
  /** The running turn's input (with an approval it answers), `[start, end)`; kept at its place. */
  pinned: { start: number; end: number } | undefined;
  /** Start of a trailing pending approval request and the rest of its step; `length` if none. */
  tailStart: number;
}

/** Which messages a compaction evicts and which it keeps (the system message excluded from both). */
export interface EvictionPlan {
  /** The window index where the kept conversation resumes. */
  cutoff: number;
  evicted: Message[];
  kept: Message[];
}

/** Finds the protected parts of a window; `runId` is the running turn, if any. */
export function windowLayout(messages: readonly Message[], runId?: string | undefined): WindowLayout {
  let tailStart = messages.length;
  const last = messages.at(-1);
  if (messages.length > 1 && last?.role === "approval" && (last.tool_calls?.length ?? 0) > 0) {
    tailStart = messages.length - 1;
    // The approval's step may also hold an assistant message with server calls and their returns.
    while (last.step_id !== null && tailStart > 1 && messages[tailStart - 1]?.step_id === last.step_id) {
      tailStart--;
    }
  }

  if (runId === undefined) return { pinned: undefined, tailStart };
  // The input is what the turn stored before its first step: its messages carry no step id (nor do
  // the summaries the turn wrote, which may go).
  const isInput = (message: Message | undefined) =>
    message?.run_id === runId && message.step_id === null && message.role !== "summary";
  const start = messages.findIndex((message, index) => index > 0 && isInput(message));
  if (start < 0 || start >= tailStart) return { pinned: undefined, tailStart };
  let end = start;
  while (end < tailStart && isInput(messages[end])) end++;
  let first = start;
  // Approval decisions answer the request before them; the returns they produced follow at once.
  if (messages[start]?.role === "approval" && messages[start - 1]?.role === "approval" && start > 1) first--;
  while (end < tailStart && messages[end]?.role === "tool") end++;
  return { pinned: { start: first, end }, tailStart };
}

/**
 * Whether the kept part may resume at `index`: at a user message, or at an assistant message (or an
 * approval request) whose tool returns all follow it. A tool return or an approval decision would lose
 * the call it answers.
 */
function isCleanStart(messages: readonly Message[], index: number): boolean {
  const message = messages[index];
  if (message === undefined) return true;
  switch (message.role) {
    case "user":
    case "summary":
    case "assistant":
      return true;
    case "approval":
      return (message.tool_calls?.length ?? 0) > 0;
    default:
      return false;
  }
}

function keptFrom(messages: readonly Message[], layout: WindowLayout, cutoff: number): Message[] {
  const { pinned } = layout;
  if (pinned && cutoff > pinned.start)
    return [...messages.slice(pinned.start, pinned.end), ...messages.slice(cutoff)];
  return messages.slice(cutoff);
}

function evictedBefore(messages: readonly Message[], layout: WindowLayout, cutoff: number): Message[] {
  const { pinned } = layout;
  return messages
    .slice(1, cutoff)
    .filter((_, offset) => !pinned || offset + 1 < pinned.start || offset + 1 >= pinned.end);
}

function evictedCount(layout: WindowLayout, cutoff: number): number {
  const { pinned } = layout;
  const pinnedBefore = pinned && cutoff > pinned.start ? Math.min(cutoff, pinned.end) - pinned.start : 0;
  return cutoff - 1 - pinnedBefore;
}

/** Cutoffs that evict something and leave a well-formed window, in increasing order. */
export function cleanCutoffs(messages: readonly Message[], layout: WindowLayout): number[] {
  const cutoffs: number[] = [];
  for (let cutoff = 2; cutoff <= layout.tailStart; cutoff++) {
    const { pinned } = layout;
    // Inside the pinned block, or just after it, keeps the same messages as cutting at its start.
    if (pinned && cutoff > pinned.start && cutoff <= pinned.end) continue;
    if (isCleanStart(messages, cutoff)) cutoffs.push(cutoff);
  }
  return cutoffs;
}

export interface SlidingWindowOptions {
  /** Tokens of the request if the window kept only these messages (with room for the summary). */
  sizeOf: (kept: readonly Message[]) => number;
  /** Token count to get under. */
  goal: number;
  /** First fraction of the evictable messages to evict, in tenths (Letta: 3, growing by 1). */
  startTenths: number;
  /** `all` evicts everything evictable at once. */
  mode: "sliding_window" | "all";
}

/**
 * Letta's sliding window: evict the oldest 30% of the evictable messages, then 40%, 50%... (each time
 * moved forward to a clean boundary) until the request is under the goal; at worst everything that
 * may go. Undefined when nothing can be evicted.
 */
export function planEviction(
  messages: readonly Message[],
  layout: WindowLayout,
  options: SlidingWindowOptions,
): EvictionPlan | undefined {
  const cutoffs = cleanCutoffs(messages, layout);
  const last = cutoffs.at(-1);
  if (last === undefined) return undefined;
  const plan = (cutoff: number): EvictionPlan => ({
    cutoff,
    evicted: evictedBefore(messages, layout, cutoff),
    kept: keptFrom(messages, layout, cutoff),
  });
  if (options.mode === "all") return plan(last);
  const evictable = evictedCount(layout, last);
  for (let tenths = Math.max(1, options.startTenths); tenths < 10; tenths++) {
    const target = Math.ceil((evictable * tenths) / 10);
    const cutoff = cutoffs.find((candidate) => evictedCount(layout, candidate) >= target);
    if (cutoff === undefined || cutoff === last) break;
    const candidate = plan(cutoff);
    if (options.sizeOf(candidate.kept) <= options.goal) return candidate;
  }
  return plan(last);
}
