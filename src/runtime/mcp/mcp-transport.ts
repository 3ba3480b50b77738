import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpServerType } from "../../domain/index.js";

/** Everything needed to reach one MCP server, secrets in clear (held in memory only). */
export interface McpConnectionConfig {
  type: McpServerType;
  /** streamable_http and sse: the endpoint. */
  url?: string | undefined;
  /** streamable_http and sse: every header sent (the auth header and custom headers, merged). */
  headers?: Record<string, string> | undefined;
  /** streamable_http and sse with no static token: the OAuth client (tokens from the server's secrets). */
  authProvider?: OAuthClientProvider | undefined;
  /** stdio: the command and its arguments. */
  command?: string | undefined;
  args?: readonly string[] | undefined;
  /** stdio: variables added to the minimal environment the child gets (never the server's own). */
  env?: Record<string, string> | undefined;
}

/** The last lines a stdio server wrote to stderr, for error messages. */
export interface StderrTail {
  text(): string;
}

const STDERR_TAIL_BYTES = 2_000;

/** Opens the SDK transport for a config; a stdio transport's stderr is kept in `tail`. */
export function openTransport(config: McpConnectionConfig): { transport: Transport; stderr: StderrTail } {
  let tail = "";
  const stderr: StderrTail = { text: () => tail.trim() };
  switch (config.type) {
    case "streamable_http":
      return {
        transport: new StreamableHTTPClientTransport(new URL(requireField(config.url, "server_url")), {
          requestInit: { headers: config.headers ?? {} },
          authProvider: config.authProvider,
          // The pool reconnects on its own terms; the SDK's GET-stream retries would run unbounded.
          reconnectionOptions: {
            maxReconnectionDelay: 30_000,
            initialReconnectionDelay: 1_000,
            reconnectionDelayGrowFactor: 2,
            maxRetries: 2,
          },
        }),
        stderr,
      };
    case "sse":
      return {
        transport: new SSEClientTransport(new URL(requireField(config.url, "server_url")), {
          requestInit: { headers: config.headers ?? {} },
          authProvider: config.authProvider,
        }),
        stderr,
      };
    case "stdio": {
      const transport = new StdioClientTransport({
        command: requireField(config.command, "command"),
        args: [...(config.args ?? [])],
        // The SDK's minimal environment (PATH, HOME, USER...) plus the server's own variables: the
        // child never inherits Reverie's environment, which holds provider keys.
        env: { ...getDefaultEnvironment(), ...(config.env ?? {}) },
        stderr: "pipe",
      });
      transport.stderr?.on("data", (chunk: Buffer) => {
        tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
      });
      return { transport, stderr };
    }
  }
}

function requireField(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw new Error(`the MCP server has no ${name}`);
  return value;
}
