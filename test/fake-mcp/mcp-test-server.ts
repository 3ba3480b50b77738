import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

/** What a test MCP server's tools can see of the request that called them. */
export interface RequestView {
  /** Headers of the HTTP request (HTTP transports only). */
  headers?: Record<string, string | string[] | undefined> | undefined;
}

/**
 * An MCP server written with the SDK, for tests: `echo`, `add`, `fail` (a tool error), `slow`
 * (waits, to test timeouts), `show_env` (stdio: an environment variable) and `show_header` (HTTP: a
 * request header), plus `extra`, listed when `withExtraTool` or once enabled (to test refresh).
 */
export function buildTestMcpServer(options: { withExtraTool?: boolean; view?: () => RequestView } = {}) {
  const server = new McpServer({ name: "reverie-test-mcp", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the text back.", inputSchema: { text: z.string().describe("What to echo") } },
    async ({ text }) => ({ content: [{ type: "text", text: `echo: ${text}` }] }),
  );
  server.registerTool(
    "add",
    { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool("fail", { description: "Always fails." }, async () => ({
    isError: true,
    content: [{ type: "text", text: "the tool failed on purpose" }],
  }));
  server.registerTool(
    "slow",
    { description: "Waits before answering.", inputSchema: { ms: z.number().int() } },
    async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: "text", text: `waited ${ms} ms` }] };
    },
  );
  server.registerTool(
    "show_env",
    { description: "Shows an environment variable.", inputSchema: { name: z.string() } },
    async ({ name }) => ({ content: [{ type: "text", text: `${name}=${process.env[name] ?? "<unset>"}` }] }),
  );
  server.registerTool(
    "show_header",
    { description: "Shows a request header.", inputSchema: { name: z.string() } },
    async ({ name }) => {
      const value = options.view?.().headers?.[name.toLowerCase()];
      return { content: [{ type: "text", text: `${name}=${value ?? "<unset>"}` }] };
    },
  );
  const extra = server.registerTool("extra", { description: "Appears later." }, async () => ({
    content: [{ type: "text", text: "extra" }],
  }));
  if (!options.withExtraTool) extra.disable();
  return { server, extra };
}
