import { useState } from "react";
import { useClient } from "../api/connection";
import { useAsync } from "../api/use-async";
import { usePaged } from "../api/use-paged";
import type { LettaMessageLike } from "../chat/transcript";
import { ErrorNote } from "../components/error-note";
import { formatNumber, formatWhen } from "../components/format";

const PAGE = 50;

interface Run {
  id: string;
  status: string;
  stop_reason: string | null;
  created_at: string;
  completed_at: string | null;
  total_duration_ns: number | null;
  conversation_id: string | null;
  metadata: { error?: { message?: string; error_type?: string } } | null;
}

interface Step {
  id: string;
  status: string;
  model: string | null;
  model_handle: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  stop_reason: string | null;
  error_type: string | null;
  error_data: { message?: string } | null;
  created_at: string;
}

const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** The agent's runs, newest first; a run opens into its steps as a timeline. */
export function RunsPage({ agentId }: { agentId: string }) {
  const client = useClient();
  const runs = usePaged<Run>(
    async (after) =>
      (
        await client.runs.list({ agent_id: agentId, limit: PAGE, after, order: "desc" } as never)
      ).getPaginatedItems() as unknown as Run[],
    PAGE,
    [client, agentId],
  );
  const [open, setOpen] = useState<string>();

  return (
    <section className="card runs" aria-label="Runs">
      <div className="panel-head">
        <h2>Runs and steps</h2>
        <button type="button" onClick={runs.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={runs.error} onRetry={runs.reload} />
      <ol className="run-list">
        {runs.items.map((run) => (
          <li key={run.id} className={`run ${run.status}`}>
            <button
              type="button"
              className="link"
              aria-expanded={open === run.id}
              onClick={() => setOpen(open === run.id ? undefined : run.id)}
            >
              <strong>{run.status}</strong> · {run.stop_reason ?? "–"} · {formatWhen(run.created_at)}
              {run.total_duration_ns ? ` · ${seconds(run.total_duration_ns / 1e6)}` : ""}
              <span className="muted small"> {run.id}</span>
            </button>
            {run.metadata?.error?.message ? (
              <p className="error small">
                {run.metadata.error.error_type ? `${run.metadata.error.error_type}: ` : ""}
                {run.metadata.error.message}
              </p>
            ) : null}
            {open === run.id ? <RunSteps run={run} /> : null}
          </li>
        ))}
      </ol>
      {runs.hasMore && !runs.loading ? (
        <button type="button" onClick={runs.loadMore}>
          Older runs
        </button>
      ) : null}
      {runs.loading ? <p className="muted">Loading…</p> : null}
    </section>
  );
}

function RunSteps({ run }: { run: Run }) {
  const client = useClient();
  const steps = useAsync(
    async () =>
      (
        await client.runs.steps.list(run.id, { limit: 100, order: "asc" } as never)
      ).getPaginatedItems() as unknown as Step[],
    [client, run.id],
  );
  const messages = useAsync(
    async () =>
      (
        await client.runs.messages.list(run.id, { limit: 500 } as never)
      ).getPaginatedItems() as unknown as Array<LettaMessageLike & { step_id?: string | null }>,
    [client, run.id],
  );
  const list = steps.value ?? [];
  const end = run.completed_at ? new Date(run.completed_at).getTime() : undefined;

  return (
    <div className="steps">
      <ErrorNote error={steps.error} />
      <ErrorNote error={messages.error} />
      <ol className="timeline">
        {list.map((step, index) => {
          const started = new Date(step.created_at).getTime();
          const next = list[index + 1];
          const finished = next ? new Date(next.created_at).getTime() : end;
          const calls = (messages.value ?? [])
            .filter((message) => message.step_id === step.id && message.message_type === "tool_call_message")
            .map((message) => message.tool_call?.name ?? "?");
          return (
            <li key={step.id} className="step">
              <strong>Step {index + 1}</strong> · {step.model_handle ?? step.model ?? "?"} ·{" "}
              {formatNumber(step.prompt_tokens)} in / {formatNumber(step.completion_tokens)} out
              {finished !== undefined ? ` · ${seconds(Math.max(0, finished - started))}` : ""} · stop:{" "}
              {step.stop_reason ?? "–"}
              {calls.length > 0 ? (
                <span>
                  {" "}
                  · tools:{" "}
                  {calls.map((name, position) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a step may call one tool twice
                    <code key={position}>{name} </code>
                  ))}
                </span>
              ) : null}
              {step.error_data?.message ? <p className="error small">{step.error_data.message}</p> : null}
            </li>
          );
        })}
      </ol>
      {list.length === 0 && !steps.loading ? <p className="muted small">No steps recorded.</p> : null}
    </div>
  );
}
