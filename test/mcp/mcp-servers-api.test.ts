import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningMcpServer, startHttpMcpServer } from "../fake-mcp/http-servers.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";
import { STDIO_SERVER_ARGS } from "./stdio-command.js";

const TOOL_NAMES = ["add", "echo", "fail", "show_env", "show_header", "slow"];

const names = (tools: Array<{ name: string }>) => tools.map((tool) => tool.name).sort();

describeOnEachStore("/v1/mcp-servers over streamable HTTP and SSE", (storeKind) => {
  let t: TestApp;
  let http: RunningMcpServer;
  let sse: RunningMcpServer;
  beforeAll(async () => {
    http = await startHttpMcpServer("streamable_http");
    sse = await startHttpMcpServer("sse");
  });
  afterAll(async () => {
    await http.close();
    await sse.close();
  });
  beforeEach(async () => {
    t = await createTestApp({ store: storeKind, mcp: { pool: { callTimeoutMs: 2_000 } } });
    http.setExtraTool(false);
  });
  afterEach(async () => {
    await t.close();
  });

  const createHttp = (name = "tester", extra: Record<string, unknown> = {}) =>
    t.call("POST", "/v1/mcp-servers/", {
      server_name: name,
      config: { mcp_server_type: "streamable_http", server_url: http.url, ...extra },
    });

  it("adds a server, stores its tools as external_mcp tools, and masks its secrets", async () => {
    const token = "tok-0123456789abcdef-SECRET";
    const created = await createHttp("tester", {
      auth_header: "X-Api-Key",
      auth_token: token,
      custom_headers: { "X-Team": "blue-team-header-value" },
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^mcp_server-/),
      server_name: "tester",
      mcp_server_type: "streamable_http",
      server_url: http.url,
      auth_header: "X-Api-Key",
      auth_token: "****CRET",
      custom_headers: { "X-Team": "****alue" },
    });
    expect(JSON.stringify(created.body)).not.toContain(token);
    const id = created.body.id;
    // At rest: one SecretBox envelope, no clear value.
    const stored = await t.store.mcpServers.get(id);
    expect(stored?.secrets_sealed).toMatch(/^rvs1:/);
    expect(stored?.secrets_sealed).not.toContain(token);
    expect(stored?.secrets_sealed).not.toContain("blue-team-header-value");

    const tools = await t.call("GET", `/v1/mcp-servers/${id}/tools`);
    expect(names(tools.body)).toEqual(TOOL_NAMES);
    const echo = tools.body.find((tool: JsonBody) => tool.name === "echo");
    expect(echo).toMatchObject({
      tool_type: "external_mcp",
      tags: ["mcp:tester"],
      description: "Echoes the text back.",
      json_schema: {
        name: "echo",
        parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      },
      metadata_: { mcp: { server_name: "tester", server_id: id } },
    });
    // They are tools like any other: listed by type, fetched one by one.
    const listed = await t.call("GET", "/v1/tools/?tool_types=external_mcp");
    expect(names(listed.body)).toEqual(TOOL_NAMES);
    expect((await t.call("GET", `/v1/mcp-servers/${id}/tools/${echo.id}`)).body.name).toBe("echo");

    // The secrets reach the server as headers.
    const header = tools.body.find((tool: JsonBody) => tool.name === "show_header");
    const run = await t.call("POST", `/v1/mcp-servers/${id}/tools/${header.id}/run`, {
      args: { name: "X-Api-Key" },
    });
    expect(run.body).toMatchObject({ status: "success", func_return: `X-Api-Key=${token}` });
    const team = await t.call("POST", `/v1/mcp-servers/${id}/tools/${header.id}/run`, {
      args: { name: "X-Team" },
    });
    expect(team.body.func_return).toBe("X-Team=blue-team-header-value");

    // Listed and retrieved, still masked.
    expect((await t.call("GET", "/v1/mcp-servers/")).body).toEqual([created.body]);
    expect((await t.call("GET", `/v1/mcp-servers/${id}`)).body).toEqual(created.body);
  });

  it("runs tools: results, tool errors, bad arguments, and a timeout that does not wedge the connection", async () => {
    const id = (await createHttp()).body.id;
    const tools = (await t.call("GET", `/v1/mcp-servers/${id}/tools`)).body as JsonBody[];
    const idOf = (name: string) => tools.find((tool) => tool.name === name)?.id;
    const run = (name: string, args: unknown) =>
      t.call("POST", `/v1/mcp-servers/${id}/tools/${idOf(name)}/run`, { args });

    expect((await run("add", { a: 2, b: 3 })).body).toMatchObject({ status: "success", func_return: "5" });
    expect((await run("fail", {})).body).toMatchObject({
      status: "error",
      func_return: "the tool failed on purpose",
    });
    const bad = await run("add", { a: "two" });
    expect(bad.status).toBe(200);
    expect(bad.body.status).toBe("error");
    expect(bad.body.func_return).toMatch(/Input validation error|Invalid/i);

    const slow = await run("slow", { ms: 10_000 });
    expect(slow.body.status).toBe("error");
    expect(slow.body.func_return).toMatch(/timed out/i);
    expect((await run("echo", { text: "still here" })).body.func_return).toBe("echo: still here");

    // The tool's return_char_limit applies here as in a turn.
    expect((await t.call("PATCH", `/v1/tools/${idOf("echo")}`, { return_char_limit: 10 })).status).toBe(200);
    expect((await run("echo", { text: "abcdefghijklmnop" })).body.func_return).toBe(
      "echo: abcd... [NOTE: function output was truncated since it exceeded the character limit: 22 > 10]",
    );
  });

  it("refreshes: new tools are added, vanished ones deleted (and detached)", async () => {
    const id = (await createHttp()).body.id;
    http.setExtraTool(true);
    const added = await t.call("PATCH", `/v1/mcp-servers/${id}/refresh`);
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ tools_added: ["extra"], tools_updated: [], tools_deleted: [] });
    expect(names((await t.call("GET", `/v1/mcp-servers/${id}/tools`)).body)).toContain("extra");

    http.setExtraTool(false);
    const removed = await t.call("PATCH", `/v1/mcp-servers/${id}/refresh`);
    expect(removed.body).toMatchObject({ tools_added: [], tools_deleted: ["extra"] });
    expect((await t.call("GET", "/v1/tools/?name=extra")).body).toEqual([]);
    const again = await t.call("PATCH", `/v1/mcp-servers/${id}/refresh?agent_id=agent-x`);
    expect(again.body).toMatchObject({ tools_added: [], tools_updated: [], tools_deleted: [] });
  });

  it("updates: renaming retags the tools, a new token replaces the old, switching type needs its fields", async () => {
    const id = (await createHttp("before", { auth_token: "first-token-aaaaaaaaaaaa" })).body.id;
    const renamed = await t.call("PATCH", `/v1/mcp-servers/${id}`, {
      server_name: "after",
      config: { mcp_server_type: "streamable_http", auth_token: "second-token-bbbbbbbbbbbb" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      server_name: "after",
      server_url: http.url,
      auth_token: "****bbbb",
    });
    const tools = (await t.call("GET", `/v1/mcp-servers/${id}/tools`)).body as JsonBody[];
    expect(new Set(tools.map((tool) => tool.tags.join()))).toEqual(new Set(["mcp:after"]));
    const header = tools.find((tool) => tool.name === "show_header");
    const seen = await t.call("POST", `/v1/mcp-servers/${id}/tools/${header.id}/run`, {
      args: { name: "Authorization" },
    });
    expect(seen.body.func_return).toBe("Authorization=Bearer second-token-bbbbbbbbbbbb");

    const noUrl = await t.call("PATCH", `/v1/mcp-servers/${id}`, { config: { mcp_server_type: "sse" } });
    expect(noUrl.status).toBe(422);
    expect(noUrl.body.detail).toMatch(/server_url/);
    const toSse = await t.call("PATCH", `/v1/mcp-servers/${id}`, {
      config: { mcp_server_type: "sse", server_url: sse.url },
    });
    expect(toSse.body).toMatchObject({ mcp_server_type: "sse", server_url: sse.url, auth_token: null });
    expect(names((await t.call("GET", `/v1/mcp-servers/${id}/tools`)).body)).toEqual(TOOL_NAMES);
  });

  it("speaks SSE too", async () => {
    const created = await t.call("POST", "/v1/mcp-servers/", {
      server_name: "old-style",
      config: { mcp_server_type: "sse", server_url: sse.url },
    });
    expect(created.status).toBe(200);
    const tools = (await t.call("GET", `/v1/mcp-servers/${created.body.id}/tools`)).body as JsonBody[];
    expect(names(tools)).toEqual(TOOL_NAMES);
    const echo = tools.find((tool) => tool.name === "echo");
    const run = await t.call("POST", `/v1/mcp-servers/${created.body.id}/tools/${echo.id}/run`, {
      args: { text: "over sse" },
    });
    expect(run.body.func_return).toBe("echo: over sse");
  });

  it("tests connections: a saved server, an unsaved config, and an unreachable one", async () => {
    const id = (await createHttp()).body.id;
    const connected = await t.call("GET", `/v1/mcp-servers/connect/${id}`);
    expect(connected.status).toBe(200);
    expect(connected.body.status).toBe("success");
    expect(names(connected.body.tools)).toEqual(TOOL_NAMES);

    const unsaved = await t.call("POST", "/v1/tools/mcp/servers/test", {
      server_name: "probe",
      type: "sse",
      server_url: sse.url,
    });
    expect(unsaved.status).toBe(200);
    expect(names(unsaved.body.tools)).toEqual(TOOL_NAMES);
    expect((await t.call("GET", "/v1/mcp-servers/")).body).toHaveLength(1);

    const live = await t.call("GET", "/v1/tools/mcp/servers/tester/tools");
    expect(names(live.body)).toEqual(TOOL_NAMES);
    expect(live.body[0].inputSchema).toBeDefined();

    const dead = await t.call("POST", "/v1/tools/mcp/servers/test", {
      server_name: "nobody",
      type: "streamable_http",
      server_url: "http://127.0.0.1:9/mcp",
    });
    expect(dead.status).toBe(400);
    expect(dead.body.detail).toMatch(/Failed to connect to MCP server 'nobody'/);
  });

  it("saves an unreachable server without tools; its refresh and connection test say why", async () => {
    const created = await t.call("POST", "/v1/mcp-servers/", {
      server_name: "down",
      config: { mcp_server_type: "streamable_http", server_url: "http://127.0.0.1:9/mcp" },
    });
    expect(created.status).toBe(200);
    const id = created.body.id;
    expect((await t.call("GET", `/v1/mcp-servers/${id}/tools`)).body).toEqual([]);
    const refresh = await t.call("PATCH", `/v1/mcp-servers/${id}/refresh`);
    expect(refresh.status).toBe(400);
    expect(refresh.body.detail).toMatch(/Could not refresh the tools of MCP server 'down'.*unreachable/);
    const connect = await t.call("GET", `/v1/mcp-servers/connect/${id}`);
    expect(connect.status).toBe(400);
    expect(connect.body.detail).toMatch(/Failed to connect to MCP server 'down'/);
  });

  it("deletes a server with its tools", async () => {
    const id = (await createHttp()).body.id;
    const deleted = await t.call("DELETE", `/v1/mcp-servers/${id}`);
    expect(deleted.status).toBe(200);
    expect((await t.call("GET", `/v1/mcp-servers/${id}`)).status).toBe(404);
    expect((await t.call("GET", "/v1/tools/?tool_types=external_mcp")).body).toEqual([]);
    expect((await t.call("DELETE", `/v1/mcp-servers/${id}`)).status).toBe(404);
  });

  it("refuses bad input with a 4xx naming the problem", async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ server_name: "x", config: { server_url: http.url } }, 422, /mcp_server_type/],
      [
        {
          server_name: "x",
          config: { mcp_server_type: "streamable_http", server_url: "file:///etc/passwd" },
        },
        422,
        /server_url/,
      ],
      [
        { server_name: "x", config: { mcp_server_type: "streamable_http", server_url: "not a url" } },
        422,
        /server_url/,
      ],
      [
        { server_name: "has space", config: { mcp_server_type: "sse", server_url: sse.url } },
        422,
        /server_name/,
      ],
      [{ server_name: "", config: { mcp_server_type: "sse", server_url: sse.url } }, 422, /server_name/],
      [
        { server_name: "x", config: { mcp_server_type: "websocket", server_url: sse.url } },
        422,
        /mcp_server_type/,
      ],
      [
        { server_name: "x", config: { mcp_server_type: "sse", server_url: sse.url, surprise: 1 } },
        422,
        /surprise/,
      ],
      [
        {
          server_name: "x",
          config: { mcp_server_type: "sse", server_url: sse.url, custom_headers: { a: 1 } },
        },
        422,
        /custom_headers/,
      ],
      [{ server_name: "x" }, 422, /config/],
    ];
    for (const [body, status, detail] of cases) {
      const response = await t.call("POST", "/v1/mcp-servers/", body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.detail, JSON.stringify(body)).toMatch(detail);
    }
    expect((await t.call("GET", "/v1/mcp-servers/")).body).toEqual([]);
    await createHttp("same");
    const twice = await createHttp("same");
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/MCP server named 'same' already exists/);
    expect(
      (await t.call("GET", "/v1/mcp-servers/mcp_server-00000000-0000-4000-8000-00000000ffff")).status,
    ).toBe(404);
    expect(
      (await t.call("PATCH", "/v1/mcp-servers/nope", { config: { mcp_server_type: "sse" } })).status,
    ).toBe(404);
    expect((await t.call("GET", "/v1/tools/mcp/servers/nobody/tools")).status).toBe(404);
    const stdio = await t.call("POST", "/v1/mcp-servers/", {
      server_name: "shell",
      config: { mcp_server_type: "stdio", command: "sh", args: ["-c", "id"] },
    });
    expect(stdio.status).toBe(403);
    expect(stdio.body.detail).toMatch(/REVERIE_MCP_STDIO=on/);
  });
});

describe("/v1/mcp-servers over stdio", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ mcp: { stdioAllowed: true } });
  });
  afterEach(async () => {
    await t.close();
  });

  it("starts the server once, passes its env, and never the server's own environment", async () => {
    process.env.REVERIE_TEST_CANARY = "canary-from-the-reverie-process";
    try {
      const created = await t.call("POST", "/v1/mcp-servers/", {
        server_name: "local",
        config: {
          mcp_server_type: "stdio",
          command: process.execPath,
          args: STDIO_SERVER_ARGS,
          env: { GREETING: "hello-from-config-env" },
        },
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ mcp_server_type: "stdio", env: { GREETING: "****-env" } });
      const tools = (await t.call("GET", `/v1/mcp-servers/${created.body.id}/tools`)).body as JsonBody[];
      expect(names(tools)).toEqual([...TOOL_NAMES, "exit"].sort());
      const showEnv = tools.find((tool) => tool.name === "show_env");
      const run = (name: string) =>
        t.call("POST", `/v1/mcp-servers/${created.body.id}/tools/${showEnv.id}/run`, { args: { name } });
      expect((await run("GREETING")).body.func_return).toBe("GREETING=hello-from-config-env");
      expect((await run("REVERIE_TEST_CANARY")).body.func_return).toBe("REVERIE_TEST_CANARY=<unset>");
      expect((await run("OPENAI_API_KEY")).body.func_return).toBe("OPENAI_API_KEY=<unset>");
    } finally {
      delete process.env.REVERIE_TEST_CANARY;
    }
  });
});

describe("stdio MCP servers need an admin key", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ mcp: { stdioAllowed: true }, auth: {}, webRoot: false });
  });
  afterEach(async () => {
    await t.close();
  });

  it("refuses a stdio server from a non-admin key, accepts it from an admin key", async () => {
    const plain = await t.keys!.create({ name: "user" });
    const admin = await t.keys!.create({ name: "root", is_admin: true });
    const stdio = {
      server_name: "local",
      config: { mcp_server_type: "stdio", command: process.execPath, args: STDIO_SERVER_ARGS },
    };
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const refused = await t.call("POST", "/v1/mcp-servers/", stdio, as(plain.key));
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/admin API key/);
    const probe = { server_name: "p", type: "stdio", command: "sh", args: ["-c", "id"] };
    expect((await t.call("POST", "/v1/tools/mcp/servers/test", probe, as(plain.key))).status).toBe(403);
    expect((await t.call("GET", "/v1/mcp-servers/", undefined, as(plain.key))).body).toEqual([]);

    const accepted = await t.call("POST", "/v1/mcp-servers/", stdio, as(admin.key));
    expect(accepted.status).toBe(200);
    // A non-admin key may not point it at another command either.
    const changed = await t.call(
      "PATCH",
      `/v1/mcp-servers/${accepted.body.id}`,
      { config: { mcp_server_type: "stdio", command: "sh", args: ["-c", "id"] } },
      as(plain.key),
    );
    expect(changed.status).toBe(403);
  });
});
