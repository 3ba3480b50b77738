import { type Clock, type IdGenerator, newMessageRecord, type Run } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { denialText } from "./chat-messages.js";
import { loadContextWindow, saveWindowIds, type WindowOwner } from "./context-window.js";
import { packageToolResponse } from "./tool-calls.js";
import { pendingApproval } from "./turn-input.js";
import { type TurnLocks, turnKey } from "./turn-locks.js";

/** Letta's reason for the calls a cancelled request left waiting for approval. */
export const CANCELLED_APPROVAL_REASON = "The user cancelled the request, so the tool call was denied.";

/**
 * Denies the approval request a cancelled run left pending, as Letta does: the decisions and their
 * error results commit together, so the window no longer waits for an answer. Returns false when the
 * window's pending request (if any) belongs to another run.
 */
export async function denyCancelledApproval(
  deps: { store: Store; clock: Clock; ids: IdGenerator; locks: TurnLocks },
  run: Run,
): Promise<boolean> {
  const { store, clock, ids } = deps;
  const agent = await store.agents.get(run.agent_id);
  const conversation = run.conversation_id ? await store.conversations.get(run.conversation_id) : undefined;
  if (!agent || (run.conversation_id && !conversation)) return false;
  const owner: WindowOwner = conversation
    ? { kind: "conversation", conversation }
    : { kind: "agent", agentId: agent.id };
  const lease = await deps.locks.acquire(turnKey(agent.id, conversation?.id ?? null), run.id);
  try {
    const window = await loadContextWindow(store, agent, owner, { clock, ids });
    const pending = pendingApproval(window.messages);
    if (!pending || pending.run_id !== run.id) return false;
    const calls = pending.tool_calls ?? [];
    const now = clock.now();
    const base = {
      agent_id: agent.id,
      conversation_id: conversation?.id ?? null,
      run_id: run.id,
      created_at: now.toISOString(),
    };
    const text = packageToolResponse(false, denialText(CANCELLED_APPROVAL_REASON), now, agent.timezone);
    await store.transaction(async (tx) => {
      const stored = await tx.messages.append([
        newMessageRecord({
          ...base,
          id: ids.next("message"),
          role: "approval",
          approvals: calls.map((call) => ({
            type: "approval" as const,
            tool_call_id: call.id,
            approve: false,
            reason: CANCELLED_APPROVAL_REASON,
          })),
        }),
        newMessageRecord({
          ...base,
          id: ids.next("message"),
          role: "tool",
          name: calls[0]?.function.name ?? null,
          tool_call_id: calls[0]?.id ?? null,
          tool_returns: calls.map((call) => ({
            tool_call_id: call.id,
            status: "error" as const,
            func_response: text,
          })),
        }),
      ]);
      const windowIds = [...window.messages, ...stored].map((message) => message.id);
      await saveWindowIds(tx, owner, windowIds, now.toISOString());
    });
    return true;
  } finally {
    await lease.release();
  }
}
