import { defineCommand } from "./command.js";

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
    'Claude Desktop: {"mcpServers": {"reverie": {"command": "reverie", "args": ["mcp"]}}}',
  ].join("\n"),
  flags: {},
  async run() {
    // stdout carries the protocol: anything else printed there would corrupt it.
    console.log = console.error;
    console.info = console.error;
    const { openReverie } = await import("../reverie.js");
    const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
    const { buildReverieMcpServer } = await import("../server/mcp/reverie-mcp-server.js");
    const reverie = await openReverie({ worker: false, recoverRuns: false });
    const server = buildReverieMcpServer(reverie.services);
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
