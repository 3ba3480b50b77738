import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { buildTestMcpServer, type RequestView } from "./mcp-test-server.js";

/** A test MCP server listening on 127.0.0.1. */
export interface RunningMcpServer {
  /** The URL clients connect to (`/mcp` for streamable HTTP, `/sse` for SSE). */
  url: string;
  port: number;
  /** Headers of every request received, oldest first. */
  readonly requests: Array<{ method: string; path: string; headers: IncomingMessage["headers"] }>;
  /** Whether every session lists the `extra` tool. */
  setExtraTool(on: boolean): void;
  close(): Promise<void>;
}

export type HttpMcpTransport = "streamable_http" | "sse";

/** Starts the test MCP server over streamable HTTP or SSE on 127.0.0.1 (`port` 0 picks a free one). */
export async function startHttpMcpServer(transport: HttpMcpTransport, port = 0): Promise<RunningMcpServer> {
  const requests: RunningMcpServer["requests"] = [];
  let extra = false;
  let current: RequestView = {};
  const extras: Array<{ enable(): void; disable(): void }> = [];
  const build = () => {
    const built = buildTestMcpServer({ withExtraTool: extra, view: () => current });
    extras.push(built.extra);
    return built.server;
  };
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    requests.push({ method: request.method ?? "", path: url.pathname, headers: request.headers });
    current = { headers: request.headers };
    if (transport === "streamable_http" && url.pathname === "/mcp") {
      const sessionId = request.headers["mcp-session-id"];
      const existing = typeof sessionId === "string" ? streamable.get(sessionId) : undefined;
      if (existing) return existing.handleRequest(request, response);
      if (sessionId !== undefined) {
        response.writeHead(404, { "content-type": "application/json" });
        return response.end(
          JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }),
        );
      }
      const session = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          streamable.set(id, session);
        },
      });
      await build().connect(session);
      return session.handleRequest(request, response);
    }
    if (transport === "sse" && url.pathname === "/sse" && request.method === "GET") {
      const session = new SSEServerTransport("/messages", response);
      sse.set(session.sessionId, session);
      response.on("close", () => sse.delete(session.sessionId));
      await build().connect(session);
      return;
    }
    if (transport === "sse" && url.pathname === "/messages" && request.method === "POST") {
      const session = sse.get(url.searchParams.get("sessionId") ?? "");
      if (session) return session.handlePostMessage(request, response);
      response.writeHead(404).end("unknown session");
      return;
    }
    response.writeHead(404).end("not found");
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}${transport === "sse" ? "/sse" : "/mcp"}`,
    port: actual,
    requests,
    setExtraTool(on) {
      extra = on;
      for (const tool of extras) on ? tool.enable() : tool.disable();
    },
    async close() {
      await Promise.all(
        [...streamable.values(), ...sse.values()].map((session) => session.close().catch(() => {})),
      );
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
