import type { Message, MessageRole } from "../../domain/index.js";

/** The roles recall search looks at: Letta leaves tool results and system messages out. */
export const RECALL_ROLES: readonly MessageRole[] = ["user", "assistant"];

/**
 * What a message said, as recall shows it and embeds it: its text parts, or for agents that talk
 * through `send_message` (memgpt agents) the message they sent.
 */
export function recallText(message: Message): string {
  const text = message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  if (text) return text;
  for (const call of message.tool_calls ?? []) {
    if (call.function.name !== "send_message") continue;
    try {
      const words = (JSON.parse(call.function.arguments) as { message?: unknown }).message;
      if (typeof words === "string") return words;
    } catch {
      // Fall through: a malformed call has no words to show.
    }
  }
  return "";
}

/** Whether recall search may return the message: Letta excludes tool results and earlier searches. */
export function isRecallable(message: Message): boolean {
  if (!RECALL_ROLES.includes(message.role)) return false;
  if (message.tool_calls?.some((call) => call.function.name === "conversation_search")) return false;
  return recallText(message).length > 0;
}

/**
 * What a message's vector is made from: its own words, then the turn before it in its conversation. In
 * a conversation a turn's meaning often lies in what it answers ("Yes, last Sunday" after "Did you run
 * the charity race?"), so its vector carries the question's words too. Its own words come first, so a
 * long previous turn is what the model's input limit cuts, not them. On the held-out LoCoMo conversations
 * this raised vector recall@10 from 0.472 to 0.543 and hybrid from 0.762 to 0.789 (bench/locomo-explore.ts;
 * the previous turn first did less: 0.499 and 0.776). Without a previous turn: its own words.
 */
export function turnEmbeddingText(message: Message, previous: Message | undefined): string {
  const own = recallText(message);
  if (previous === undefined || !isRecallable(previous)) return own;
  return `${own}\n${recallText(previous)}`;
}
