import {
  type Approval,
  type Message,
  type MessageContent,
  type MessageInput,
  ReverieError,
  type ToolCall,
} from "../../domain/index.js";

/** What a turn starts from: new messages, or decisions on the pending approval request. */
export type TurnInput =
  | {
      kind: "messages";
      messages: Array<{
        role: "user" | "system" | "assistant";
        content: MessageContent[];
        otid: string | null;
        name: string | null;
        sender_id: string | null;
      }>;
    }
  | { kind: "approvals"; approvals: Approval[]; otid: string | null };

/** Letta's 409 text when a plain message arrives while a tool call awaits approval. */
export const PENDING_APPROVAL_DETAIL =
  "Cannot send a new message: The agent is waiting for approval on a tool call. Please approve or deny the pending request before continuing.";

function contentParts(content: string | Array<{ type: string }>): MessageContent[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content as MessageContent[];
}

/** Splits the request's messages into one kind of turn input; mixing approvals with messages is refused. */
export function normalizeTurnInput(inputs: readonly MessageInput[]): TurnInput {
  if (inputs.length === 0)
    throw new ReverieError("invalid_argument", "No messages to send: give `messages` or `input`");
  const decisions: Approval[] = [];
  let otid: string | null = null;
  const messages: Extract<TurnInput, { kind: "messages" }>["messages"] = [];
  for (const input of inputs) {
    if (input.type === "approval") {
      otid = input.otid ?? otid;
      if (input.approvals?.length) decisions.push(...input.approvals);
      else if (input.approve !== undefined && input.approve !== null && input.approval_request_id) {
        // The legacy form decides every call of the named request at once; expanded later.
        decisions.push({
          type: "approval",
          tool_call_id: `*${input.approval_request_id}`,
          approve: input.approve,
          reason: input.reason ?? null,
        });
      } else
        throw new ReverieError(
          "invalid_argument",
          "An approval message needs `approvals` (or the legacy `approve` and `approval_request_id`)",
        );
    } else if (input.type === "tool_return") {
      otid = input.otid ?? otid;
      decisions.push(...input.tool_returns.map((item) => ({ ...item, type: "tool" as const })));
    } else {
      const content = contentParts(input.content);
      if (content.length === 0)
        throw new ReverieError("invalid_argument", "A message needs non-empty `content`");
      messages.push({
        role: input.role,
        content,
        otid: input.otid ?? null,
        name: input.name ?? null,
        sender_id: input.sender_id ?? null,
      });
    }
  }
  if (decisions.length > 0 && messages.length > 0) {
    throw new ReverieError("invalid_argument", "Send approvals and new messages in separate requests");
  }
  return decisions.length > 0
    ? { kind: "approvals", approvals: decisions, otid }
    : { kind: "messages", messages };
}

/** The pending approval request of a window: its last message, when that is an unanswered request. */
export function pendingApproval(window: readonly Message[]): Message | undefined {
  const last = window.at(-1);
  return last?.role === "approval" && (last.tool_calls?.length ?? 0) > 0 ? last : undefined;
}

/**
 * Matches decisions to the pending request's calls: every call needs exactly one decision and every
 * decision must name a pending call. Returns the decisions in the order of the calls.
 */
export function matchApprovals(
  request: Message,
  decisions: readonly Approval[],
): Array<{ call: ToolCall; decision: Approval }> {
  const calls = request.tool_calls ?? [];
  const expanded = decisions.flatMap((decision) =>
    decision.tool_call_id.startsWith("*")
      ? calls.map((call) => ({ ...decision, tool_call_id: call.id }))
      : [decision],
  );
  const legacyTarget = decisions.find((decision) => decision.tool_call_id.startsWith("*"));
  if (legacyTarget && legacyTarget.tool_call_id.slice(1) !== request.id) {
    throw new ReverieError(
      "conflict",
      `Invalid tool call ids: approval_request_id ${legacyTarget.tool_call_id.slice(1)} is not the pending request ${request.id}`,
    );
  }
  const byId = new Map(expanded.map((decision) => [decision.tool_call_id, decision]));
  const pendingIds = calls.map((call) => call.id);
  const unknown = [...byId.keys()].filter((id) => !pendingIds.includes(id));
  const missing = pendingIds.filter((id) => !byId.has(id));
  if (unknown.length > 0 || missing.length > 0 || byId.size !== expanded.length) {
    throw new ReverieError(
      "conflict",
      `Invalid tool call ids: got [${[...byId.keys()].join(", ")}], but the pending approval request awaits [${pendingIds.join(", ")}]`,
    );
  }
  return calls.map((call) => ({ call, decision: byId.get(call.id) as Approval }));
}
