import { useState } from "react";
import { useClient } from "../api/connection";
import { useAsync } from "../api/use-async";
import { ErrorNote } from "../components/error-note";
import { ToolDetail, type ToolLike } from "./tool-detail";

interface McpServer {
  id?: string;
  server_name?: string;
  name?: string;
  server_type?: string;
  mcp_server_type?: string;
  server_url?: string | null;
  command?: string | null;
}

/** Every tool of the server with its source and schema, and the MCP servers the server knows. */
export function ToolsPage() {
  const client = useClient();
  const [filter, setFilter] = useState("");
  const tools = useAsync(
    async () => (await client.tools.list({ limit: 500 } as never)).getPaginatedItems() as ToolLike[],
    [client],
  );
  const servers = useAsync(async () => (await client.get("/v1/mcp-servers/")) as McpServer[], [client]);
  const shown = (tools.value ?? []).filter((tool) =>
    (tool.name ?? "").toLowerCase().includes(filter.toLowerCase()),
  );

  return (
    <main className="page">
      <h1>Tools & MCP servers</h1>
      <section className="card" aria-label="MCP servers">
        <h2>MCP servers</h2>
        <ErrorNote error={servers.error} onRetry={servers.reload} />
        {servers.value?.length === 0 ? <p className="muted">No MCP server is configured.</p> : null}
        <ul>
          {(servers.value ?? []).map((server) => (
            <li key={server.id ?? server.server_name}>
              <strong>{server.server_name ?? server.name}</strong>{" "}
              <span className="muted small">
                {server.mcp_server_type ?? server.server_type} · {server.server_url ?? server.command}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-label="Tools">
        <h2>Tools</h2>
        <input
          type="search"
          aria-label="Filter tools"
          placeholder="Filter by name…"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <ErrorNote error={tools.error} onRetry={tools.reload} />
        <ul className="tool-list">
          {shown.map((tool) => (
            <li key={tool.id}>
              <ToolDetail tool={tool} />
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
