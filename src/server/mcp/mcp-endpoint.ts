import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Hono } from "hono";
import type { Services } from "../../runtime/services.js";
import { buildReverieMcpServer } from "./reverie-mcp-server.js";

/** Where Reverie's own MCP server answers (streamable HTTP). */
export const MCP_PATH = "/mcp";

/**
 * Serves Reverie's MCP server at `/mcp` over streamable HTTP, stateless: each POST gets a fresh server
 * and transport and a JSON answer, so any replica can answer any request and nothing is kept between
 * them. The API key middleware runs first: the tools see only the key's organization. There is no
 * server-initiated stream, so GET and DELETE answer 405 as the protocol allows.
 */
export function mountMcpEndpoint(app: Hono, services: Services): void {
  app.on(["GET", "DELETE"], MCP_PATH, (c) => {
    c.header("allow", "POST");
    return c.json({ detail: "Reverie's MCP endpoint is stateless: send JSON-RPC requests with POST" }, 405);
  });
  app.post(MCP_PATH, async (c) => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    const server = buildReverieMcpServer(services);
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
}
