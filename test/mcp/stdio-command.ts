import { fileURLToPath } from "node:url";

/** Arguments for `node` that start the test MCP server over stdio (TypeScript through tsx). */
export const STDIO_SERVER_ARGS = [
  "--import",
  "tsx",
  fileURLToPath(new URL("../fake-mcp/stdio-server.ts", import.meta.url)),
];
