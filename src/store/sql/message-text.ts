import type { NewMessage } from "../../domain/index.js";

/**
 * The searchable text of a message (`messages.text`): its text parts, the names and arguments of its
 * tool calls, and the tool results it carries. Reasoning and images are left out: conversation search
 * looks for what was said and done.
 */
export function messageSearchText(
  message: Pick<NewMessage, "content" | "tool_calls" | "tool_returns" | "approvals">,
): string {
  const parts: string[] = [];
  for (const part of message.content) {
    if (part.type === "text") parts.push(part.text);
  }
  for (const call of message.tool_calls ?? []) parts.push(call.function.name, call.function.arguments);
  for (const result of message.tool_returns ?? []) parts.push(result.func_response);
  for (const approval of message.approvals ?? []) {
    if (approval.type !== "tool") continue;
    parts.push(
      typeof approval.tool_return === "string" ? approval.tool_return : JSON.stringify(approval.tool_return),
    );
  }
  return parts.filter((part) => part.length > 0).join("\n");
}
