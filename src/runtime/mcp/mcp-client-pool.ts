import { createHash } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { McpTool } from "../../domain/index.js";
import { type McpConnectionConfig, openTransport, type StderrTail } from "./mcp-transport.js";

/** Timeouts and reconnect backoff of the pool; every wait is bounded, so a turn never hangs on MCP. */
export interface McpPoolSettings {
  /** Connecting and the initialize handshake (default 10 s). */
  connectTimeoutMs: number;
  /** Listing tools (default 15 s). */
  listTimeoutMs: number;
  /** One tool call (default 60 s, Letta's default tool timeout). */
  callTimeoutMs: number;
  /** First wait after a failed connect; doubles per failure up to `maxBackoffMs` (default 1 s). */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_MCP_POOL_SETTINGS: McpPoolSettings = {
  connectTimeoutMs: 10_000,
  listTimeoutMs: 15_000,
  callTimeoutMs: 60_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
};

/** What a tool call gave: its content as text, and whether the server flagged it as an error. */
export interface McpCallOutcome {
  isError: boolean;
  text: string;
}

/** A server that cannot be reached now; `retryInMs` says when the pool tries again. */
export class McpUnavailableError extends Error {
  readonly retryInMs: number;
  constructor(message: string, retryInMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "McpUnavailableError";
    this.retryInMs = retryInMs;
  }
}

/**
 * Connections to MCP servers, one per server, kept open between calls (Letta opened one per call and
 * respawned stdio servers every time). A connection that fails is dropped and re-opened on next use,
 * no sooner than its backoff allows; listed tools are cached until refreshed.
 */
export interface McpClientPool {
  /** The server's tools: cached after the first listing unless `refresh`. */
  listTools(key: string, config: McpConnectionConfig, options?: { refresh?: boolean }): Promise<McpTool[]>;
  /** Calls one tool; a server-side error is an outcome, an unreachable server throws. */
  callTool(
    key: string,
    config: McpConnectionConfig,
    name: string,
    args: Record<string, unknown>,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<McpCallOutcome>;
  /** Connects with a fresh connection outside the pool, lists the tools and disconnects. */
  probe(config: McpConnectionConfig): Promise<McpTool[]>;
  /** Closes and forgets the connection of `key` (its config changed, or it was deleted). */
  evict(key: string): Promise<void>;
  /** Whether `key` has an open connection (for tests and health). */
  isConnected(key: string): boolean;
  close(): Promise<void>;
}

interface Entry {
  fingerprint: string;
  client?: Client | undefined;
  stderr?: StderrTail | undefined;
  connecting?: Promise<Client> | undefined;
  tools?: McpTool[] | undefined;
  failures: number;
  retryAt: number;
  lastError?: string | undefined;
}

const CLIENT_INFO = { name: "reverie", version: "1" };

/** Builds the pool; `now` is injectable so backoff can be tested without waiting. */
export function createMcpClientPool(
  settings: Partial<McpPoolSettings> = {},
  now: () => number = Date.now,
): McpClientPool {
  const config = { ...DEFAULT_MCP_POOL_SETTINGS, ...settings };
  const entries = new Map<string, Entry>();
  let closed = false;

  // The OAuth client reads its tokens from the store on every use: only whether there is one counts.
  const fingerprintOf = ({ authProvider, ...connection }: McpConnectionConfig) =>
    createHash("sha256")
      .update(JSON.stringify({ ...connection, oauth: authProvider !== undefined }))
      .digest("hex");

  async function connect(connection: McpConnectionConfig): Promise<{ client: Client; stderr: StderrTail }> {
    try {
      return await connectOnce(connection);
    } catch (error) {
      // A keep-alive socket to a server that just restarted fails once; a new socket does not.
      if (!isStaleSocket(error)) throw error;
      return connectOnce(connection);
    }
  }

  async function connectOnce(
    connection: McpConnectionConfig,
  ): Promise<{ client: Client; stderr: StderrTail }> {
    const { transport, stderr } = openTransport(connection);
    const client = new Client(CLIENT_INFO);
    try {
      await client.connect(transport, { timeout: config.connectTimeoutMs });
    } catch (error) {
      await client.close().catch(() => {});
      throw new Error(describeFailure(error, stderr), { cause: error });
    }
    return { client, stderr };
  }

  function entryFor(key: string, connection: McpConnectionConfig): Entry {
    if (closed) throw new Error("the MCP client pool is closed");
    const fingerprint = fingerprintOf(connection);
    const existing = entries.get(key);
    if (existing && existing.fingerprint === fingerprint) return existing;
    if (existing) void dropClient(existing);
    const entry: Entry = { fingerprint, failures: 0, retryAt: 0 };
    entries.set(key, entry);
    return entry;
  }

  async function dropClient(entry: Entry): Promise<void> {
    const client = entry.client;
    entry.client = undefined;
    entry.tools = undefined;
    await client?.close().catch(() => {});
  }

  async function clientFor(entry: Entry, connection: McpConnectionConfig): Promise<Client> {
    if (entry.client) return entry.client;
    if (entry.connecting) return entry.connecting;
    const wait = entry.retryAt - now();
    if (wait > 0) {
      throw new McpUnavailableError(
        `MCP server unreachable (${entry.lastError ?? "connection failed"}); next attempt in ${Math.ceil(wait / 1000)} s`,
        wait,
      );
    }
    entry.connecting = connect(connection)
      .then(({ client, stderr }) => {
        entry.failures = 0;
        entry.retryAt = 0;
        entry.lastError = undefined;
        entry.stderr = stderr;
        if (closed || entries.get(findKey(entry)) !== entry) {
          void client.close().catch(() => {});
          throw new Error("the connection was replaced while it opened");
        }
        entry.client = client;
        client.onclose = () => {
          if (entry.client === client) {
            entry.client = undefined;
            entry.tools = undefined;
          }
        };
        return client;
      })
      .catch((error: unknown) => {
        entry.failures += 1;
        const backoff = Math.min(
          config.maxBackoffMs,
          config.initialBackoffMs * 2 ** Math.min(entry.failures - 1, 30),
        );
        entry.retryAt = now() + backoff;
        entry.lastError = error instanceof Error ? error.message : String(error);
        throw new McpUnavailableError(`MCP server unreachable: ${entry.lastError}`, backoff, {
          cause: error,
        });
      })
      .finally(() => {
        entry.connecting = undefined;
      });
    return entry.connecting;
  }

  function findKey(entry: Entry): string {
    for (const [key, value] of entries) if (value === entry) return key;
    return "";
  }

  /**
   * Runs `work` on the entry's connection. A connection that was already open and fails at the
   * transport (the server restarted, the session expired, the child died) is re-opened and `work`
   * tried once more: such a request never reached a working server. Timeouts are not retried.
   */
  async function withClient<T>(
    entry: Entry,
    connection: McpConnectionConfig,
    work: (client: Client) => Promise<T>,
  ): Promise<T> {
    const reused = entry.client !== undefined;
    const client = await clientFor(entry, connection);
    try {
      return await work(client);
    } catch (error) {
      if (isServerAnswer(error)) throw error;
      await dropClient(entry);
      if (!reused || isTimeout(error)) throw unavailable(error, entry);
      const fresh = await clientFor(entry, connection);
      try {
        return await work(fresh);
      } catch (retryError) {
        if (isServerAnswer(retryError)) throw retryError;
        await dropClient(entry);
        throw unavailable(retryError, entry);
      }
    }
  }

  return {
    async listTools(key, connection, options = {}) {
      const entry = entryFor(key, connection);
      if (entry.tools && !options.refresh && entry.client) return entry.tools;
      const tools = await withClient(entry, connection, (client) => listAll(client, config.listTimeoutMs));
      entry.tools = tools;
      return tools;
    },

    async callTool(key, connection, name, args, options = {}) {
      const entry = entryFor(key, connection);
      const result = await withClient(entry, connection, (client) =>
        client.callTool({ name, arguments: args }, undefined, {
          timeout: options.timeoutMs ?? config.callTimeoutMs,
          signal: options.signal,
        }),
      );
      // `toolResult` is the pre-2025 shape some servers still answer with.
      const shaped = result as {
        isError?: unknown;
        content?: unknown;
        structuredContent?: unknown;
        toolResult?: unknown;
      };
      const text =
        shaped.content === undefined && shaped.toolResult !== undefined
          ? JSON.stringify(shaped.toolResult)
          : contentText(shaped);
      return { isError: shaped.isError === true, text };
    },

    async probe(connection) {
      const { client } = await connect(connection);
      try {
        return await listAll(client, config.listTimeoutMs);
      } finally {
        await client.close().catch(() => {});
      }
    },

    async evict(key) {
      const entry = entries.get(key);
      if (!entry) return;
      entries.delete(key);
      await dropClient(entry);
    },

    isConnected(key) {
      return entries.get(key)?.client !== undefined;
    },

    async close() {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map(dropClient));
    },
  };
}

async function listAll(client: Client, timeoutMs: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  // A server that pages forever is cut off: 100 pages is far beyond any real tool list.
  for (let page = 0; page < 100; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    for (const tool of result.tools) tools.push(tool as McpTool);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/** A tool call's content as the text the model reads: text parts joined, other parts summarised. */
export function contentText(result: { content?: unknown; structuredContent?: unknown }): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  const texts = parts.map((part: { type?: string; text?: string; [key: string]: unknown }) => {
    if (part.type === "text" && typeof part.text === "string") return part.text;
    if (part.type === "image" || part.type === "audio") {
      return `[${part.type} ${String(part.mimeType ?? "")}, ${String(part.data ?? "").length} base64 chars]`;
    }
    if (part.type === "resource_link") return `[resource ${String(part.uri ?? "")}]`;
    if (part.type === "resource") {
      const resource = (part.resource ?? {}) as { uri?: string; text?: string };
      return resource.text ?? `[resource ${resource.uri ?? ""}]`;
    }
    return JSON.stringify(part);
  });
  if (texts.length === 0 && result.structuredContent !== undefined) {
    return JSON.stringify(result.structuredContent);
  }
  return texts.join("\n");
}

// A JSON-RPC error the server answered (bad arguments, unknown tool): the connection is fine.
function isServerAnswer(error: unknown): boolean {
  return (
    error instanceof McpError &&
    error.code !== ErrorCode.ConnectionClosed &&
    error.code !== ErrorCode.RequestTimeout
  );
}

function isStaleSocket(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === "UND_ERR_SOCKET" || code === "ECONNRESET") return true;
    current = current.cause;
  }
  return false;
}

function isTimeout(error: unknown): boolean {
  return error instanceof McpError && error.code === ErrorCode.RequestTimeout;
}

function unavailable(error: unknown, entry: Entry): McpUnavailableError {
  if (error instanceof McpUnavailableError) return error;
  const message = describeFailure(error, entry.stderr);
  entry.lastError = message;
  return new McpUnavailableError(
    isTimeout(error) ? `MCP request timed out: ${message}` : `MCP server failed: ${message}`,
    0,
    { cause: error },
  );
}

function describeFailure(error: unknown, stderr: StderrTail | undefined): string {
  let message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) message += ` (${cause.code})`;
  const tail = stderr?.text();
  if (tail) message += `; stderr: ${tail.split("\n").slice(-3).join(" | ")}`;
  return message.slice(0, 1_000);
}
