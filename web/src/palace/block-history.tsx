import { useState } from "react";
import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { DiffView, diffLines } from "../components/diff-view";
import { ErrorNote } from "../components/error-note";
import { formatWhen } from "../components/format";

/** One entry of a block's history (`GET /v1/blocks/{id}/history`). */
interface Revision {
  id: string;
  seq: number;
  actor_type: string;
  actor_id: string | null;
  run_id: string | null;
  old_value: string | null;
  new_value: string;
  operation: string;
  target_seq: number | null;
  undo_seq: number | null;
  redo_seq: number | null;
  created_at: string;
}

/** A block's history as a timeline: each revision's diff, restore to any of them, undo and redo. */
export function BlockHistory({ blockId, onChanged }: { blockId: string; onChanged(): void }) {
  const client = useClient();
  const history = useAsync(
    async () =>
      (await client.get(`/v1/blocks/${encodeURIComponent(blockId)}/history`, {
        query: { limit: 50 },
      })) as Revision[],
    [client, blockId],
  );
  const [selected, setSelected] = useState<string>();
  const action = useAction();
  const latest = history.value?.[0];

  const change = async (path: string, body?: Record<string, unknown>) => {
    const done = await action.run(() =>
      client.post(`/v1/blocks/${encodeURIComponent(blockId)}/${path}`, { body }),
    );
    if (done !== undefined) {
      history.reload();
      onChanged();
    }
  };

  return (
    <section className="history" aria-label="Block history">
      <div className="row">
        <button type="button" disabled={action.busy || !latest?.undo_seq} onClick={() => void change("undo")}>
          Undo
        </button>
        <button type="button" disabled={action.busy || !latest?.redo_seq} onClick={() => void change("redo")}>
          Redo
        </button>
      </div>
      <ErrorNote error={history.error} onRetry={history.reload} />
      <ErrorNote error={action.error} />
      <ol className="timeline">
        {(history.value ?? []).map((revision) => (
          <li key={revision.id} className={selected === revision.id ? "selected" : undefined}>
            <button
              type="button"
              className="link"
              onClick={() => setSelected(selected === revision.id ? undefined : revision.id)}
            >
              #{revision.seq} {revision.operation}
              {revision.target_seq ? ` of #${revision.target_seq}` : ""} by {revision.actor_type}
              {revision.actor_id ? ` ${revision.actor_id.slice(0, 14)}…` : ""} ·{" "}
              {formatWhen(revision.created_at)}
            </button>
            {selected === revision.id ? (
              <div className="revision">
                <DiffView
                  lines={diffLines(revision.old_value ?? "", revision.new_value)}
                  label={`Diff of revision ${revision.seq}`}
                />
                {revision.id !== latest?.id ? (
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => void change("restore", { revision_id: revision.id })}
                  >
                    Restore this version
                  </button>
                ) : (
                  <span className="muted small">current version</span>
                )}
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
