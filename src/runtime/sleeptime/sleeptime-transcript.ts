import type { Message } from "../../domain/index.js";

/** Longest text one message contributes (a pasted document should not blow up the sleep-time prompt). */
const MESSAGE_CHAR_LIMIT = 4_000;

function clip(text: string): string {
  return text.length <= MESSAGE_CHAR_LIMIT ? text : `${text.slice(0, MESSAGE_CHAR_LIMIT)}… [truncated]`;
}

function textOf(message: Message): string {
  return message.content
    .map((part) => (part.type === "text" ? part.text : part.type === "image" ? "[image]" : ""))
    .filter((text) => text.length > 0)
    .join("\n");
}

function sentMessage(argumentsJson: string): string | undefined {
  try {
    const parsed = JSON.parse(argumentsJson) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line per meaningful part of a message, in Letta's sleep-time transcript format: `user: …`,
 * `assistant: …`, `assistant: <thinking>…</thinking>`, `assistant: Calling tool X` (the text of a
 * `send_message` call is what the user read), and approval decisions as `[User approved: …]`. Tool
 * results and system messages are left out, as Letta does.
 */
export function transcriptLines(message: Message): string[] {
  switch (message.role) {
    case "user": {
      const text = textOf(message);
      return text ? [`user: ${clip(text)}`] : [];
    }
    case "assistant":
    case "approval": {
      const lines: string[] = [];
      for (const part of message.content) {
        if (part.type === "reasoning" && part.reasoning.trim()) {
          lines.push(`assistant: <thinking>${clip(part.reasoning)}</thinking>`);
        } else if (part.type === "text" && part.text.trim()) {
          lines.push(`assistant: ${clip(part.text)}`);
        }
      }
      for (const call of message.tool_calls ?? []) {
        const sent = call.function.name === "send_message" ? sentMessage(call.function.arguments) : undefined;
        lines.push(
          sent !== undefined ? `assistant: ${clip(sent)}` : `assistant: Calling tool ${call.function.name}`,
        );
      }
      for (const decision of message.approvals ?? []) {
        if (decision.type !== "approval") continue;
        const reason = decision.reason ? `: ${decision.reason}` : "";
        lines.push(decision.approve ? `[User approved${reason}]` : `[User denied${reason}]`);
      }
      return lines;
    }
    default:
      return [];
  }
}

/** The transcript of a run of messages, oldest first. */
export function buildTranscript(messages: readonly Message[]): string {
  return messages.flatMap(transcriptLines).join("\n");
}
