import { useClient } from "../api/connection";
import { useAction, useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";
import { ToolDetail, type ToolLike } from "./tool-detail";

/** The agent's tools: attach and detach any tool of the server; each with its source and schema. */
export function AgentToolsPage({ agentId, onChanged }: { agentId: string; onChanged(): void }) {
  const client = useClient();
  const attached = useAsync(
    async () =>
      (await client.agents.tools.list(agentId, { limit: 200 } as never)).getPaginatedItems() as ToolLike[],
    [client, agentId],
  );
  const all = useAsync(
    async () => (await client.tools.list({ limit: 500 } as never)).getPaginatedItems() as ToolLike[],
    [client],
  );
  const action = useAction();
  const attachedIds = new Set((attached.value ?? []).map((tool) => tool.id));

  const change = async (tool: ToolLike, attach: boolean) => {
    const done = await action.run(() =>
      attach
        ? client.agents.tools.attach(tool.id ?? "", { agent_id: agentId })
        : client.agents.tools.detach(tool.id ?? "", { agent_id: agentId }),
    );
    if (done !== undefined) {
      attached.reload();
      onChanged();
    }
  };

  return (
    <section className="card" aria-label="Agent tools">
      <h2>Tools of this agent</h2>
      <ErrorNote error={attached.error} onRetry={attached.reload} />
      <ErrorNote error={action.error} />
      <ul className="tool-list">
        {(attached.value ?? []).map((tool) => (
          <li key={tool.id}>
            <ToolDetail tool={tool} />
            <button type="button" disabled={action.busy} onClick={() => void change(tool, false)}>
              Detach
            </button>
          </li>
        ))}
      </ul>
      <h2>Other tools on this server</h2>
      <ErrorNote error={all.error} onRetry={all.reload} />
      <ul className="tool-list">
        {(all.value ?? [])
          .filter((tool) => !attachedIds.has(tool.id))
          .map((tool) => (
            <li key={tool.id}>
              <ToolDetail tool={tool} />
              <button type="button" disabled={action.busy} onClick={() => void change(tool, true)}>
                Attach
              </button>
            </li>
          ))}
      </ul>
    </section>
  );
}
