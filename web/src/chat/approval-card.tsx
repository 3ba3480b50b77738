import { useState } from "react";
import type { TranscriptItem } from "./transcript";

type ToolItem = Extract<TranscriptItem, { kind: "tool" }>;

/** An approval decision, as Letta's `approval` message takes it. */
export type ApprovalDecision =
  | { type: "approval"; tool_call_id: string; approve: boolean; reason?: string }
  | { type: "tool"; tool_call_id: string; tool_return: string; status: "success" | "error" };

/**
 * A tool call waiting on the user: approve it (the server runs it), deny it with a reason, or, for a
 * client-side tool, answer with its result.
 */
export function ApprovalCard({
  item,
  busy,
  onDecide,
}: {
  item: ToolItem;
  busy: boolean;
  onDecide(decision: ApprovalDecision): void;
}) {
  const [reason, setReason] = useState("");
  const [result, setResult] = useState("");
  return (
    <section className="card approval" aria-label={`Approval for ${item.name}`}>
      <p>
        The agent wants to run <code>{item.name}</code> with:
      </p>
      <pre className="args">{item.args}</pre>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() => onDecide({ type: "approval", tool_call_id: item.callId, approve: true })}
        >
          Approve
        </button>
        <input
          aria-label="Reason for denying"
          placeholder="Reason (optional)"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() =>
            onDecide({
              type: "approval",
              tool_call_id: item.callId,
              approve: false,
              reason: reason || undefined,
            })
          }
        >
          Deny
        </button>
      </div>
      <details>
        <summary>Client-side tool: answer with its result</summary>
        <textarea
          aria-label="Tool result"
          value={result}
          onChange={(event) => setResult(event.target.value)}
          rows={3}
        />
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            onDecide({ type: "tool", tool_call_id: item.callId, tool_return: result, status: "success" })
          }
        >
          Send result
        </button>
      </details>
    </section>
  );
}
