import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { DiffView, parseDiff } from "../components/diff-view";
import { ErrorNote } from "../components/error-note";
import { formatWhen } from "../components/format";

interface SleeptimeChanges {
  sleeptime_agent_id: string;
  run: { id: string; status?: string; created_at?: string; stop_reason?: string | null } | null;
  changes: Array<{ block_id: string; label: string; diff: string; edits: number }>;
}

/** The sleep-time agent: what its last consolidation changed, as diffs, and "consolidate now". */
export function SleeptimeSection({ agentId, enabled }: { agentId: string; enabled: boolean }) {
  const client = useClient();
  const changes = useAsync(
    async () =>
      enabled
        ? ((await client.get(
            `/v1/agents/${encodeURIComponent(agentId)}/sleeptime/changes`,
          )) as SleeptimeChanges)
        : undefined,
    [client, agentId, enabled],
  );
  const action = useAction();

  const consolidate = async () => {
    const job = await action.run(
      async () =>
        (await client.post(`/v1/agents/${encodeURIComponent(agentId)}/sleeptime/run`)) as {
          id: string;
          status: string;
        },
    );
    if (job) setTimeout(changes.reload, 1500);
  };

  return (
    <section className="card sleeptime" aria-label="Sleep-time agent">
      <div className="panel-head">
        <h2>Sleep-time consolidation</h2>
        <button type="button" disabled={action.busy || !enabled} onClick={() => void consolidate()}>
          Consolidate now
        </button>
      </div>
      {!enabled ? (
        <p className="muted">
          This agent has no sleep-time agent. Create an agent from the "with a sleep-time agent" template, or
          set <code>enable_sleeptime</code>.
        </p>
      ) : null}
      <ErrorNote error={action.error} />
      <ErrorNote error={changes.error} onRetry={changes.reload} />
      {changes.value ? (
        <>
          <p className="small muted">
            {changes.value.run
              ? `Last run ${changes.value.run.id} · ${changes.value.run.status ?? ""} · ${formatWhen(changes.value.run.created_at)}`
              : "No consolidation has run yet."}
          </p>
          {changes.value.changes.map((change) => (
            <div key={change.block_id} className="consolidation">
              <h3>
                {change.label}{" "}
                <span className="muted small">
                  ({change.edits} edit{change.edits === 1 ? "" : "s"})
                </span>
              </h3>
              <DiffView lines={parseDiff(change.diff)} label={`Consolidation of ${change.label}`} />
            </div>
          ))}
          {changes.value.run && changes.value.changes.length === 0 ? (
            <p className="muted">It changed no block.</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
