import type { Message } from "../../domain/index.js";

/** Longest line a single message contributes to a transcript (big tool results are cut). */
const LINE_CHAR_LIMIT = 2_000;
const SUMMARY_MARKER = "The following is a summary of the previous messages:\n ";

/** The summarizer's instructions (our wording of what Letta asks for). */
export function summarizerPrompt(wordLimit: number): string {
  return [
    "You write the memory of an AI agent whose conversation has grown too long for its context window.",
    "The oldest part of the conversation is given below as a transcript. It will be removed from the",
    "agent's view and replaced by your summary, so the summary must let the agent carry on as if it",
    "had read the transcript. If the transcript starts with an earlier summary, fold it in.",
    "",
    "Write a concise summary in plain text with these sections:",
    "Goals: what the user wants overall and in the current task.",
    "What happened: the main steps, decisions and tool results, in order.",
    "Important details: names, facts, preferences, numbers, identifiers and paths worth keeping exactly.",
    "Current state: what is done, what is in progress, and any open question or next step.",
    "",
    `Use at most ${wordLimit} words. Write only the summary, no preamble.`,
  ].join("\n");
}

/** The user turn of the summarizer request. */
export function summarizerInput(transcript: string): string {
  return `<start_transcript>\n${transcript}\n<end_transcript>\nWrite the summary of the transcript above.`;
}

function clipLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= LINE_CHAR_LIMIT ? flat : `${flat.slice(0, LINE_CHAR_LIMIT)}... [truncated]`;
}

function textOf(message: Message): string {
  return message.content
    .map((part) => (part.type === "text" ? part.text : part.type === "image" ? "[image]" : ""))
    .filter((text) => text.length > 0)
    .join(" ");
}

/** The summary inside a stored summary message (Letta's `system_alert` JSON), or its raw text. */
export function summaryOf(message: Message): string {
  const text = textOf(message);
  try {
    const parsed = JSON.parse(text) as { type?: unknown; message?: unknown };
    if (parsed.type === "system_alert" && typeof parsed.message === "string") {
      const at = parsed.message.indexOf(SUMMARY_MARKER);
      return at >= 0 ? parsed.message.slice(at + SUMMARY_MARKER.length) : parsed.message;
    }
  } catch {
    // not Letta's JSON: the text is the summary
  }
  return text;
}

/** One line per message: `[user] …`, `[assistant] text -> tool(args)`, `[tool] name: result`. */
export function transcriptLines(messages: readonly Message[]): string[] {
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
  }
  const lines: string[] = [];
  for (const message of messages) {
    const calls = (message.tool_calls ?? []).map(
      (call) => `${call.function.name}(${call.function.arguments})`,
    );
    switch (message.role) {
      case "system":
        break;
      case "summary":
        lines.push(clipLine(`[summary of earlier messages] ${summaryOf(message)}`));
        break;
      case "user":
        lines.push(clipLine(`[user] ${textOf(message)}`));
        break;
      case "assistant": {
        const text = textOf(message);
        const arrow = calls.length > 0 ? `${text ? " " : ""}-> ${calls.join(", ")}` : "";
        if (text || arrow) lines.push(clipLine(`[assistant] ${text}${arrow}`));
        break;
      }
      case "approval":
        if (calls.length > 0) lines.push(clipLine(`[assistant] -> ${calls.join(", ")} (awaiting approval)`));
        for (const decision of message.approvals ?? []) {
          const name = toolNames.get(decision.tool_call_id) ?? "tool";
          const verdict =
            decision.type === "tool" ? "returned its result" : decision.approve ? "approved" : "denied";
          lines.push(clipLine(`[user] ${verdict} ${name}`));
        }
        break;
      case "tool":
        for (const result of message.tool_returns ?? []) {
          const name = toolNames.get(result.tool_call_id) ?? message.name ?? "tool";
          lines.push(clipLine(`[tool] ${name}: ${result.func_response}`));
        }
        break;
    }
  }
  return lines;
}

/**
 * Joins transcript lines within `budget` tokens. When they do not fit, the middle goes: the start
 * (goals are usually stated there) and the end (the latest state) are kept.
 */
export function clipTranscript(
  lines: readonly string[],
  budget: number,
  countText: (text: string) => number,
): string {
  const costs = lines.map((line) => countText(line) + 1);
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  if (total <= budget) return lines.join("\n");
  const marker = (omitted: number) => `[... ${omitted} transcript lines omitted to fit ...]`;
  const room = budget - countText(marker(lines.length)) - 1;
  let head = 0;
  let used = 0;
  while (head < lines.length && used + costs[head]! <= room * 0.3) used += costs[head++]!;
  let tail = lines.length;
  while (tail > head && used + costs[tail - 1]! <= room) used += costs[--tail]!;
  return [...lines.slice(0, head), marker(tail - head), ...lines.slice(tail)].join("\n");
}

/** Cuts a summary to `maxChars` with Letta's suffix. */
export function clipSummary(summary: string, maxChars: number): string {
  const suffix = "... [summary truncated to fit]";
  if (summary.length <= maxChars) return summary;
  return `${summary.slice(0, Math.max(0, maxChars - suffix.length))}${suffix}`;
}

/** The text of the summary message: Letta's `system_alert` JSON. */
export function summaryMessageText(evicted: number, summary: string, time: string): string {
  return JSON.stringify({
    type: "system_alert",
    message: `Note: ${evicted} messages from the beginning of the conversation have been hidden from view due to memory constraints.\n${SUMMARY_MARKER}${summary}`,
    time,
  });
}
