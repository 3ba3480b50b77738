import type { Message } from "../../domain/index.js";
import type {
  ChatMessage,
  ImagePart,
  ReasoningPart,
  TextPart,
  ToolCallPart,
} from "../../llm/providers/types.js";

/** Letta's text for a denied approval, as the model sees it in the tool result. */
export function denialText(reason: string | null | undefined): string {
  return `Error: request to call tool denied. User reason: ${reason ?? ""}`;
}

function userParts(message: Message): string | (TextPart | ImagePart)[] {
  const parts: (TextPart | ImagePart)[] = [];
  for (const part of message.content) {
    if (part.type === "text") parts.push({ type: "text", text: part.text });
    else if (part.type === "image") {
      const source = part.source;
      if (source.type === "url") parts.push({ type: "image", url: source.url });
      else if (source.type === "base64")
        parts.push({ type: "image", data: source.data, mediaType: source.media_type });
    }
  }
  const [only] = parts;
  if (parts.length === 1 && only?.type === "text") return only.text;
  return parts;
}

function assistantParts(message: Message): (TextPart | ReasoningPart | ToolCallPart)[] {
  const parts: (TextPart | ReasoningPart | ToolCallPart)[] = [];
  // The producing model travels with signed parts: after a switch of provider they must not be replayed.
  const origin = message.model ?? undefined;
  for (const part of message.content) {
    if (part.type === "text" && part.text.length > 0) parts.push({ type: "text", text: part.text });
    else if (part.type === "reasoning" && part.is_native) {
      parts.push({ type: "reasoning", text: part.reasoning, signature: part.signature ?? undefined, origin });
    }
  }
  for (const call of message.tool_calls ?? []) {
    parts.push({
      type: "tool-call",
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    });
  }
  return parts;
}

/**
 * Turns stored in-context messages into the provider-neutral conversation (the system message is
 * passed separately). Approval requests become the assistant's tool calls; approval decisions are
 * carried by the tool message that follows them; a denial with no tool message becomes an error result.
 */
export function toChatMessages(messages: readonly Message[]): ChatMessage[] {
  const chat: ChatMessage[] = [];
  const answered = new Set<string>();
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    for (const result of message.tool_returns ?? []) answered.add(result.tool_call_id);
    for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
  }
  for (const message of messages) {
    switch (message.role) {
      case "system": {
        // The compiled system prompt is sent apart (it is not among these); a system message sent as
        // input (Letta's clients and agent-to-agent messages do) stays in the conversation.
        const text = message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
        if (text) chat.push({ role: "system", content: text });
        break;
      }
      case "user":
      case "summary": {
        const content = userParts(message);
        if (content.length > 0) chat.push({ role: "user", content });
        break;
      }
      case "assistant": {
        const parts = assistantParts(message);
        if (parts.length > 0) chat.push({ role: "assistant", content: parts });
        break;
      }
      case "approval": {
        if (message.tool_calls?.length) {
          chat.push({ role: "assistant", content: assistantParts(message) });
        } else {
          // Decisions that never got a tool message (a denial persisted alone) still need a result.
          const results = (message.approvals ?? [])
            .filter(
              (decision) =>
                decision.type === "approval" && !decision.approve && !answered.has(decision.tool_call_id),
            )
            .map((decision) => ({
              toolCallId: decision.tool_call_id,
              name: toolNames.get(decision.tool_call_id) ?? "",
              content: denialText(decision.type === "approval" ? decision.reason : null),
              isError: true,
            }));
          if (results.length > 0) chat.push({ role: "tool", results });
        }
        break;
      }
      case "tool": {
        const results = (message.tool_returns ?? []).map((result) => ({
          toolCallId: result.tool_call_id,
          name: toolNames.get(result.tool_call_id) ?? message.name ?? "",
          content: result.func_response,
          isError: result.status === "error",
        }));
        if (results.length > 0) chat.push({ role: "tool", results });
        break;
      }
    }
  }
  return chat;
}
