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
