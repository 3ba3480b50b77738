import type { Store } from "../store/store.js";
import { CliError, defineCommand } from "./command.js";

/**
 * `reverie mcp`: Reverie's MCP server over stdio, for desktop MCP clients (Claude Desktop, IDEs) that
 * start a command. It works on the local data directory, like `reverie import`, and serves the same
 * tools as `/mcp`: list agents, send a message, search archival and recall memory, read core memory.
 */
export const mcpCommand = defineCommand({
  name: "mcp",
  summary: "Serve Reverie's agents to an MCP client over stdio.",
  description: [
    "Speaks the Model Context Protocol on stdin/stdout until stdin closes. Tools: list_agents,",
    "send_message, search_archival_memory, search_recall_memory, read_core_memory.",
    "It opens the data directory itself (REVERIE_HOME or REVERIE_DATABASE_URL), so it works with",
    "or without a running server. Over HTTP, the same tools are at POST /mcp on `reverie server`.",
    "",
    "With --api-key (or REVERIE_API_KEY) it serves that key's organization only, as /mcp does; once",
    "API keys exist in the database a key is required. Without keys it serves the default organization.",
    "",
    'Claude Desktop: {"mcpServers": {"reverie": {"command": "reverie", "args": ["mcp"]}}}',
  ].join("\n"),
  flags: {
    "api-key": {
      type: "string",
      placeholder: "key",
      description: "serve this key's organization (default: REVERIE_API_KEY)",
    },
  },
  async run({ flags }) {
    // stdout carries the protocol: anything else printed there would corrupt it.
    console.log = console.error;
    console.info = console.error;
    const { openReverie } = await import("../reverie.js");
    const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
    const { buildReverieMcpServer } = await import("../server/mcp/reverie-mcp-server.js");
    const reverie = await openReverie({ worker: false, recoverRuns: false });
    let organizationId: string | undefined;
    try {
      organizationId = await organizationOfKey(reverie.store, flags["api-key"]);
    } catch (error) {
      await reverie.close();
      throw error;
    }
    const server = buildReverieMcpServer(reverie.services, { organizationId });
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => {
      transport.onclose = resolve;
      process.stdin.once("end", resolve);
    });
    try {
      await server.connect(transport);
      await closed;
    } finally {
      await server.close().catch(() => {});
      await reverie.close();
    }
    return 0;
  },
});

/**
 * The organization `reverie mcp` serves: the key's (`--api-key`, else REVERIE_API_KEY, which is the
 * default organization's admin key as on `reverie server`). Once keys exist a key is required, as on
 * every HTTP route; with none, the default organization.
 */
async function organizationOfKey(store: Store, flagKey: string | undefined): Promise<string | undefined> {
  const { createApiKeyService } = await import("../server/auth/api-keys.js");
  const envKey = process.env.REVERIE_API_KEY || undefined;
  const keys = createApiKeyService({ store, envKey });
  const presented = flagKey || envKey;
  if (presented === undefined) {
    if (await keys.required()) {
      throw new CliError("API keys exist in this database: pass --api-key <key> or set REVERIE_API_KEY");
    }
    return undefined;
  }
  const principal = await keys.authenticate(presented);
  if (!principal) throw new CliError("the API key is unknown, revoked or expired");
  return principal.organization_id;
}
