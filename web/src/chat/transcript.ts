/**
 * The chat's transcript as display items, built from Letta messages: whole ones from history, and the
 * token deltas of a stream (chunks sharing a message `id` and type are joined).
 */
export type TranscriptItem =
  | { kind: "user"; key: string; text: string; date?: string }
  | { kind: "assistant"; key: string; text: string; date?: string }
  | { kind: "reasoning"; key: string; text: string }
  | {
      kind: "tool";
      key: string;
      callId: string;
      name: string;
      args: string;
      result?: string;
      status?: string;
      approval: boolean;
      resolved?: string;
    }
  | { kind: "stop"; key: string; reason: string; detail?: string }
  | { kind: "summary"; key: string; text: string }
  | { kind: "system"; key: string; text: string };

/** A Letta message or stream chunk, loosely typed: the fields the transcript reads. */
export interface LettaMessageLike {
  id?: string;
  message_type: string;
  date?: string;
  content?: unknown;
  reasoning?: string;
  summary?: string;
  tool_call?: { tool_call_id?: string; name?: string | null; arguments?: string | null } | null;
  tool_calls?: Array<{ tool_call_id?: string; name?: string | null; arguments?: string | null }> | null;
  tool_call_id?: string;
  tool_return?: string;
  tool_returns?: Array<{
    tool_call_id?: string;
    tool_return?: string;
    status?: string;
    func_response?: string;
  }> | null;
  status?: string;
  stop_reason?: string;
  approvals?: Array<{
    tool_call_id?: string;
    approve?: boolean;
    tool_return?: unknown;
    reason?: string | null;
  }> | null;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "string" ? part : ((part as { text?: string }).text ?? "")))
      .join("");
  }
  return "";
}

/** Adds one message (or delta) to the transcript; returns a new array. */
export function applyMessage(items: TranscriptItem[], message: LettaMessageLike): TranscriptItem[] {
  const id = message.id ?? `local-${items.length}`;
  const next = [...items];
  const appendText = (kind: "user" | "assistant" | "reasoning" | "summary" | "system", text: string) => {
    const key = `${id}:${kind}`;
    const index = next.findIndex((item) => item.key === key);
    const existing = index >= 0 ? next[index] : undefined;
    if (existing && "text" in existing) {
      next[index] = { ...existing, text: existing.text + text };
    } else {
      next.push({ kind, key, text, date: message.date } as TranscriptItem);
    }
    return next;
  };

  switch (message.message_type) {
    case "user_message":
      return appendText("user", textOf(message.content));
    case "assistant_message":
      return appendText("assistant", textOf(message.content));
    case "reasoning_message":
      return appendText("reasoning", message.reasoning ?? "");
    case "summary_message":
      return appendText("summary", message.summary ?? "");
    case "system_message":
      return appendText("system", textOf(message.content));
    case "tool_call_message":
    case "approval_request_message": {
      const calls = message.tool_calls?.length
        ? message.tool_calls
        : message.tool_call
          ? [message.tool_call]
          : [];
      calls.forEach((call, position) => {
        const callId = call.tool_call_id || `${id}:${position}`;
        const key = `tool:${callId}`;
        const index = next.findIndex((item) => item.key === key);
        const existing = index >= 0 ? next[index] : undefined;
        if (existing?.kind === "tool") {
          next[index] = {
            ...existing,
            name: existing.name || call.name || "",
            args: existing.args + (call.arguments ?? ""),
            approval: existing.approval || message.message_type === "approval_request_message",
          };
        } else {
          next.push({
            kind: "tool",
            key,
            callId,
            name: call.name ?? "",
            args: call.arguments ?? "",
            approval: message.message_type === "approval_request_message",
          });
        }
      });
      return next;
    }
    case "tool_return_message": {
      const returns = message.tool_returns?.length
        ? message.tool_returns
        : [{ tool_call_id: message.tool_call_id, tool_return: message.tool_return, status: message.status }];
      for (const entry of returns) {
        const index = next.findIndex((item) => item.kind === "tool" && item.callId === entry.tool_call_id);
        const existing = index >= 0 ? next[index] : undefined;
        const result = entry.tool_return ?? entry.func_response ?? "";
        if (existing?.kind === "tool") next[index] = { ...existing, result, status: entry.status };
        else
          next.push({
            kind: "tool",
            key: `tool:${entry.tool_call_id ?? id}`,
            callId: entry.tool_call_id ?? id,
            name: "",
            args: "",
            result,
            status: entry.status,
            approval: false,
          });
      }
      return next;
    }
    case "approval_response_message": {
      for (const approval of message.approvals ?? []) {
        const index = next.findIndex((item) => item.kind === "tool" && item.callId === approval.tool_call_id);
        const existing = index >= 0 ? next[index] : undefined;
        if (existing?.kind === "tool") {
          const resolved =
            approval.approve === false
              ? `denied${approval.reason ? `: ${approval.reason}` : ""}`
              : "approved";
          next[index] = { ...existing, resolved };
        }
      }
      return next;
    }
    case "stop_reason":
      if (
        message.stop_reason &&
        message.stop_reason !== "end_turn" &&
        message.stop_reason !== "requires_approval"
      ) {
        next.push({ kind: "stop", key: `stop:${id}:${next.length}`, reason: message.stop_reason });
      }
      return next;
    default:
      return next;
  }
}

/** Records a failed run's error on its stop item (or adds one). */
export function applyFailure(
  items: TranscriptItem[],
  reason: string | undefined,
  detail: string,
): TranscriptItem[] {
  const last = items.at(-1);
  if (last?.kind === "stop") return [...items.slice(0, -1), { ...last, detail }];
  return [...items, { kind: "stop", key: `stop:error:${items.length}`, reason: reason ?? "error", detail }];
}

/** The tool calls still waiting for an approval (or a client tool's result). */
export function pendingApprovals(items: TranscriptItem[]) {
  return items.filter(
    (item): item is Extract<TranscriptItem, { kind: "tool" }> =>
      item.kind === "tool" && item.approval && item.result === undefined && item.resolved === undefined,
  );
}

/** Tools whose calls change core memory: the Palace highlights their blocks. */
export const MEMORY_TOOLS = new Set([
  "memory_replace",
  "memory_insert",
  "memory_rethink",
  "memory_finish_edits",
  "memory",
  "core_memory_append",
  "core_memory_replace",
]);
