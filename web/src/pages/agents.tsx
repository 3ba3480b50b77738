import type { AgentState } from "@letta-ai/letta-client/resources/agents/agents";
import { type DragEvent, type FormEvent, useState } from "react";
import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { ConfirmButton } from "../components/confirm-button";
import { ErrorNote } from "../components/error-note";
import { formatWhen } from "../components/format";
import { navigate } from "../router";
import { AGENT_TEMPLATES } from "./agent-templates";

/** The agents: search by name or tag, create from a template, import/export `.af`, delete. */
export function AgentsPage() {
  const client = useClient();
  const [query, setQuery] = useState("");
  const [tag, setTag] = useState("");
  const agents = useAsync(
    async () =>
      (
        await client.agents.list({
          query_text: query.trim() || undefined,
          tags: tag ? [tag] : undefined,
          limit: 200,
          order: "desc",
          order_by: "last_run_completion",
        } as Parameters<typeof client.agents.list>[0])
      ).getPaginatedItems(),
    [client, query, tag],
  );
  const tags = useAsync(async () => (await client.tags.list()) as unknown as string[], [client]);
  const action = useAction();
  const [creating, setCreating] = useState(false);

  const remove = (agent: AgentState) =>
    action.run(async () => {
      await client.agents.delete(agent.id);
      agents.reload();
    });

  return (
    <main className="page">
      <div className="page-head">
        <h1>Agents</h1>
        <button type="button" className="primary" onClick={() => setCreating((open) => !open)}>
          {creating ? "Close" : "New agent"}
        </button>
      </div>
      {creating ? (
        <CreateAgent onCreated={(agent) => navigate({ page: "agent", agentId: agent.id, tab: "chat" })} />
      ) : null}
      <ImportDropZone onImported={agents.reload} />
      <div className="filters">
        <input
          type="search"
          aria-label="Search agents"
          placeholder="Search by name…"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <select aria-label="Filter by tag" value={tag} onChange={(event) => setTag(event.target.value)}>
          <option value="">All tags</option>
          {(tags.value ?? []).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={agents.error} onRetry={agents.reload} />
      <ErrorNote error={action.error} />
      <table className="agents">
        <thead>
          <tr>
            <th>Name</th>
            <th>Model</th>
            <th>Tags</th>
            <th>Last activity</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {(agents.value ?? []).map((agent) => (
            <tr key={agent.id}>
              <td>
                <a href={`#/agents/${encodeURIComponent(agent.id)}/chat`}>{agent.name}</a>
                <div className="muted small">{agent.id}</div>
              </td>
              <td>{agent.model ?? agent.llm_config?.model}</td>
              <td>
                {agent.tags.map((name) => (
                  <button key={name} type="button" className="tag" onClick={() => setTag(name)}>
                    {name}
                  </button>
                ))}
              </td>
              <td>{formatWhen(agent.last_run_completion ?? agent.updated_at ?? agent.created_at)}</td>
              <td className="actions">
                <ExportButton agent={agent} />
                <ConfirmButton
                  label="Delete"
                  confirmLabel={`Delete ${agent.name}`}
                  onConfirm={() => void remove(agent)}
                  disabled={action.busy}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {agents.value?.length === 0 && !agents.loading ? (
        <p className="muted">
          {query || tag
            ? "No agent matches."
            : "No agents yet: create one, or drop an Agent File (.af) above."}
        </p>
      ) : null}
    </main>
  );
}

function CreateAgent({ onCreated }: { onCreated(agent: AgentState): void }) {
  const client = useClient();
  const models = useAsync(
    async () => (await client.models.list()) as Array<{ handle?: string | null; model: string }>,
    [client],
  );
  // The server lists its default embedding model first; an agent made here searches by meaning when it can.
  const embeddings = useAsync(
    async () => (await client.models.embeddings.list()) as Array<{ handle?: string | null }>,
    [client],
  );
  const [name, setName] = useState("");
  const [template, setTemplate] = useState(AGENT_TEMPLATES[0]?.id ?? "blank");
  const [model, setModel] = useState("");
  const [embedding, setEmbedding] = useState<string | undefined>(undefined);
  const embeddingHandles = (embeddings.value ?? []).flatMap((entry) => (entry.handle ? [entry.handle] : []));
  const chosenEmbedding = embedding ?? embeddingHandles[0] ?? "";
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = AGENT_TEMPLATES.find((candidate) => candidate.id === template);
    const agent = await action.run(() =>
      client.agents.create({
        name: name.trim() || undefined,
        model: model || undefined,
        embedding: chosenEmbedding || undefined,
        memory_blocks: chosen?.blocks ?? [],
        tags: chosen?.tags ?? [],
        enable_sleeptime: chosen?.enableSleeptime ?? undefined,
      } as Parameters<typeof client.agents.create>[0]),
    );
    if (agent) onCreated(agent);
  };

  return (
    <form className="card create-agent" onSubmit={submit} aria-label="New agent">
      <label>
        Name
        <input value={name} onChange={(event) => setName(event.target.value)} placeholder="my-agent" />
      </label>
      <label>
        Model
        <select value={model} onChange={(event) => setModel(event.target.value)}>
          <option value="">Server default</option>
          {(models.value ?? []).map((entry) => (
            <option key={entry.handle ?? entry.model} value={entry.handle ?? entry.model}>
              {entry.handle ?? entry.model}
            </option>
          ))}
        </select>
      </label>
      <label>
        Embedding
        <select value={chosenEmbedding} onChange={(event) => setEmbedding(event.target.value)}>
          {embeddingHandles.map((handle, index) => (
            <option key={handle} value={handle}>
              {index === 0 ? `${handle} (server default)` : handle}
            </option>
          ))}
          <option value="">None: search memory by text only</option>
        </select>
      </label>
      <fieldset>
        <legend>Template</legend>
        {AGENT_TEMPLATES.map((candidate) => (
          <label key={candidate.id} className="template">
            <input
              type="radio"
              name="template"
              value={candidate.id}
              checked={template === candidate.id}
              onChange={() => setTemplate(candidate.id)}
            />
            <strong>{candidate.title}</strong> <span className="muted">{candidate.description}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={action.busy}>
        {action.busy ? "Creating…" : "Create agent"}
      </button>
      <ErrorNote error={models.error} />
      <ErrorNote error={action.error} />
    </form>
  );
}

/** Drop an `.af` file (or pick one) to import its agents. */
function ImportDropZone({ onImported }: { onImported(): void }) {
  const client = useClient();
  const [over, setOver] = useState(false);
  const [result, setResult] = useState<string>();
  const action = useAction();

  const importFile = async (file: File) => {
    setResult(undefined);
    const imported = await action.run(() => client.agents.importFile({ file }));
    if (imported) {
      const ids = (imported as { agent_ids?: string[] }).agent_ids ?? [];
      setResult(`Imported ${ids.length} agent${ids.length === 1 ? "" : "s"} from ${file.name}.`);
      onImported();
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file) void importFile(file);
  };

  return (
    <section
      className={`dropzone${over ? " over" : ""}`}
      aria-label="Import an Agent File"
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid="af-dropzone"
    >
      <p>
        Drop an Agent File (<code>.af</code>) here to import it, or{" "}
        <label className="link">
          choose a file
          <input
            type="file"
            accept=".af,application/json"
            hidden
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void importFile(file);
              event.target.value = "";
            }}
          />
        </label>
        .
      </p>
      {action.busy ? <p className="muted">Importing…</p> : null}
      {result ? (
        <p className="ok" role="status">
          {result}
        </p>
      ) : null}
      <ErrorNote error={action.error} />
    </section>
  );
}

function ExportButton({ agent }: { agent: AgentState }) {
  const client = useClient();
  const action = useAction();
  const download = async () => {
    const text = await action.run(() => client.agents.exportFile(agent.id));
    if (text === undefined) return;
    const body = typeof text === "string" ? text : JSON.stringify(text, null, 2);
    const url = URL.createObjectURL(new Blob([body], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${agent.name}.af`;
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <button type="button" onClick={() => void download()} disabled={action.busy}>
        Export .af
      </button>
      <ErrorNote error={action.error} />
    </>
  );
}
