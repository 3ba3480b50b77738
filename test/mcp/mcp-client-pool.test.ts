import { afterEach, describe, expect, it } from "vitest";
import {
  createMcpClientPool,
  type McpClientPool,
  McpUnavailableError,
} from "../../src/runtime/mcp/mcp-client-pool.js";
import { type RunningMcpServer, startHttpMcpServer } from "../fake-mcp/http-servers.js";
import { waitFor } from "../helpers/agent-turns.js";
import { STDIO_SERVER_ARGS } from "./stdio-command.js";

describe("MCP client pool", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const track = <T extends RunningMcpServer | McpClientPool>(resource: T): T => {
    cleanup.push(() => resource.close());
    return resource;
  };

  it("keeps one connection per server: many calls, one initialize", async () => {
    const server = track(await startHttpMcpServer("streamable_http"));
    const pool = track(createMcpClientPool());
    const config = { type: "streamable_http" as const, url: server.url };
    for (let index = 0; index < 5; index++) {
      const outcome = await pool.callTool("org/a", config, "add", { a: index, b: 1 });
      expect(outcome).toEqual({ isError: false, text: String(index + 1) });
    }
    const initializes = server.requests.filter(
      (request) => request.method === "POST" && request.headers["mcp-session-id"] === undefined,
    );
    expect(initializes).toHaveLength(1);
    expect(pool.isConnected("org/a")).toBe(true);
  });

  it("re-opens a connection whose server restarted, without the caller noticing", async () => {
    const first = await startHttpMcpServer("streamable_http");
    const pool = track(createMcpClientPool());
    const config = { type: "streamable_http" as const, url: first.url };
    expect((await pool.callTool("k", config, "echo", { text: "one" })).text).toBe("echo: one");
    await first.close();
    // Same port, new process state: the old session id is unknown there.
    const second = track(await startHttpMcpServer("streamable_http", first.port));
    expect((await pool.callTool("k", config, "echo", { text: "two" })).text).toBe("echo: two");
    expect(second.requests.some((request) => request.headers["mcp-session-id"] !== undefined)).toBe(true);
  });

  it("backs off after a failure, answers at once meanwhile, and reconnects once the server is back", async () => {
    let clock = 1_000_000;
    const first = await startHttpMcpServer("streamable_http");
    const port = first.port;
    await first.close();
    const pool = track(createMcpClientPool({ initialBackoffMs: 5_000, maxBackoffMs: 20_000 }, () => clock));
    const config = { type: "streamable_http" as const, url: `http://127.0.0.1:${port}/mcp` };

    const failure = await pool.callTool("k", config, "echo", { text: "x" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(McpUnavailableError);
    expect((failure as McpUnavailableError).retryInMs).toBe(5_000);

    const back = track(await startHttpMcpServer("streamable_http", port));
    // Still inside the backoff: no attempt is made, the answer says when the next one is.
    const waiting = await pool.callTool("k", config, "echo", { text: "x" }).catch((error: unknown) => error);
    expect((waiting as Error).message).toMatch(/next attempt in 5 s/);
    expect(back.requests).toHaveLength(0);

    clock += 5_001;
    expect((await pool.callTool("k", config, "echo", { text: "back" })).text).toBe("echo: back");
  });

  it("doubles the backoff per failure up to the maximum", async () => {
    let clock = 0;
    const pool = track(createMcpClientPool({ initialBackoffMs: 1_000, maxBackoffMs: 3_000 }, () => clock));
    const config = { type: "streamable_http" as const, url: "http://127.0.0.1:9/mcp" };
    const waits: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const error = (await pool
        .listTools("k", config)
        .catch((caught: unknown) => caught)) as McpUnavailableError;
      waits.push(error.retryInMs);
      clock += error.retryInMs;
    }
    expect(waits).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it("caches listed tools until refreshed, and a changed config opens a new connection", async () => {
    const server = track(await startHttpMcpServer("streamable_http"));
    const pool = track(createMcpClientPool());
    const config = { type: "streamable_http" as const, url: server.url };
    expect((await pool.listTools("k", config)).map((tool) => tool.name)).not.toContain("extra");
    server.setExtraTool(true);
    expect((await pool.listTools("k", config)).map((tool) => tool.name)).not.toContain("extra");
    expect((await pool.listTools("k", config, { refresh: true })).map((tool) => tool.name)).toContain(
      "extra",
    );

    const before = server.requests.length;
    await pool.listTools("k", { ...config, headers: { "X-New": "1" } });
    expect(server.requests.slice(before).some((request) => request.headers["x-new"] === "1")).toBe(true);
  });

  it("a stdio server that dies is restarted on the next call", async () => {
    const pool = track(createMcpClientPool());
    const config = { type: "stdio" as const, command: process.execPath, args: STDIO_SERVER_ARGS };
    const first = (await pool.callTool("k", config, "exit", {})).text;
    expect(first).toMatch(/^process \d+ exiting$/);
    await waitFor(() => !pool.isConnected("k"), "the pool to notice the child exited");
    const second = (await pool.callTool("k", config, "exit", {})).text;
    expect(second).toMatch(/^process \d+ exiting$/);
    expect(second).not.toBe(first);
  });

  it("a command that does not exist is unavailable, with the reason", async () => {
    const pool = track(createMcpClientPool());
    const error = await pool
      .listTools("k", { type: "stdio", command: "/nonexistent/mcp-server", args: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpUnavailableError);
    expect((error as Error).message).toMatch(/ENOENT/);
  });
});
