import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { buildTestMcpServer } from "./mcp-test-server.js";

// The test MCP server over stdio: `node --import tsx test/fake-mcp/stdio-server.ts [--extra]`.
const { server } = buildTestMcpServer({ withExtraTool: process.argv.includes("--extra") });
// Only a child process may offer to die: the HTTP servers run inside the test process.
server.registerTool("exit", { description: "Answers, then the server process exits." }, async () => {
  setTimeout(() => process.exit(3), 20);
  return { content: [{ type: "text", text: `process ${process.pid} exiting` }] };
});
await server.connect(new StdioServerTransport());
process.stderr.write("test MCP server ready on stdio\n");
