import { afterEach, beforeEach, expect, it } from "vitest";
import { type RunningOAuthMcpServer, startOAuthMcpServer } from "../fake-mcp/oauth-server.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// An MCP server that requires OAuth (with its own authorization server, both fakes on 127.0.0.1): the
// connect endpoint hands out the authorization URL, the browser (this test) follows it, Letta's callback
// exchanges the code with PKCE, tokens are sealed with the server's secrets, an expired token is
// refreshed, and every state, organization and redirect check holds.
describeOnEachStore("MCP servers behind OAuth", (storeKind) => {
  let t: TestApp;
  let oauth: RunningOAuthMcpServer;
  let keyA: Record<string, string>;
  let keyB: Record<string, string>;
  let orgB: string;

  beforeEach(async () => {
    oauth = await startOAuthMcpServer();
    t = await createTestApp({
      store: storeKind,
      auth: {},
      webRoot: false,
      mcp: { pool: { initialBackoffMs: 1, maxBackoffMs: 1, callTimeoutMs: 5_000 } },
    });
    const keys = t.keys!;
    orgB = (await keys.createOrganization("tenant b")).id;
    keyA = { authorization: `Bearer ${(await keys.create({ name: "a" })).key}` };
    keyB = { authorization: `Bearer ${(await keys.create({ name: "b", organization_id: orgB })).key}` };
  });
  afterEach(async () => {
    await t.close();
    await oauth.close();
  });

  const addServer = async (key: Record<string, string>, url = oauth.url) => {
    const created = await t.call(
      "POST",
      "/v1/mcp-servers/",
      { server_name: "secure", config: { mcp_server_type: "streamable_http", server_url: url } },
      key,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.id as string;
  };
  /** Follows the authorization URL as a browser would; the authorization server approves at once. */
  const authorize = async (authorizationUrl: string) => {
    const response = await fetch(authorizationUrl, { redirect: "manual" });
    expect(response.status).toBe(302);
    const callback = new URL(response.headers.get("location") ?? "");
    return { callback, path: `${callback.pathname}${callback.search}` };
  };
  const withState = (callback: URL, state: string) => {
    const changed = new URL(callback);
    changed.searchParams.set("state", state);
    return `${changed.pathname}${changed.search}`;
  };

  it("authorizes through the callback, seals the tokens, lists and runs tools, refreshes an expired token", async () => {
    const id = await addServer(keyA);
    const connect = await t.call("GET", `/v1/mcp-servers/connect/${id}`, undefined, keyA);
    expect(connect.status, JSON.stringify(connect.body)).toBe(200);
    expect(connect.body).toMatchObject({ status: "oauth_required", tools: [] });
    const authorizationUrl = new URL(connect.body.authorization_url);
    expect(authorizationUrl.origin).toBe(new URL(oauth.url).origin);
    expect(authorizationUrl.searchParams.get("redirect_uri")).toBe(
      "http://localhost/v1/tools/mcp/oauth/callback",
    );
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");

    const { callback, path } = await authorize(connect.body.authorization_url);
    const state = callback.searchParams.get("state") ?? "";
    // Hostile callbacks first: a changed state, and the right random part under another organization.
    const tampered = await t.call(
      "GET",
      withState(callback, `${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`),
    );
    expect(tampered.status).toBe(400);
    expect(tampered.body.detail).toMatch(/state does not match/);
    const [, server, random] = state.split("~");
    const otherOrg = await t.call("GET", withState(callback, `${orgB}~${server}~${random}`));
    expect(otherOrg.status).toBe(400);
    const denied = await t.call(
      "GET",
      "/v1/tools/mcp/oauth/callback?error=access_denied&error_description=no",
    );
    expect(denied.status).toBe(400);
    expect(denied.body.detail).toMatch(/access_denied/);
    expect(oauth.grants).toEqual([]);

    // The real callback, from the browser: no API key.
    const done = await t.call("GET", path);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: "success", mcp_server_id: id });
    expect(oauth.grants).toEqual(["authorization_code"]);
    // The state is spent: a replay is refused and exchanges nothing.
    const replay = await t.call("GET", path);
    expect(replay.status).toBe(400);
    expect(oauth.grants).toEqual(["authorization_code"]);

    const tools = (await t.call("GET", `/v1/mcp-servers/${id}/tools`, undefined, keyA)).body as JsonBody[];
    expect(tools.map((tool) => tool.name)).toContain("echo");
    const echo = tools.find((tool) => tool.name === "echo");
    const run = () =>
      t.call("POST", `/v1/mcp-servers/${id}/tools/${echo.id}/run`, { args: { text: "over oauth" } }, keyA);
    expect((await run()).body).toMatchObject({ status: "success", func_return: "echo: over oauth" });

    // Tokens are secrets: never answered, sealed at rest.
    const token = oauth.acceptedTokens.at(-1) ?? "";
    expect(token).toMatch(/^at-/);
    const shown = await t.call("GET", `/v1/mcp-servers/${id}`, undefined, keyA);
    expect(JSON.stringify(shown.body)).not.toContain(token);
    const row = await t.store.mcpServers.get(id);
    expect(row === undefined || JSON.stringify(row).includes(token)).toBe(false);

    // An expired access token is refreshed with the stored refresh token, once, without a new authorization.
    oauth.expireAccessTokens();
    expect((await run()).body).toMatchObject({ status: "success", func_return: "echo: over oauth" });
    expect(oauth.grants).toEqual(["authorization_code", "refresh_token"]);
    expect(oauth.acceptedTokens.at(-1)).not.toBe(token);
  });

  it("another organization neither sees the server nor gets its tokens", async () => {
    const id = await addServer(keyA);
    const connect = await t.call("GET", `/v1/mcp-servers/connect/${id}`, undefined, keyA);
    const { path } = await authorize(connect.body.authorization_url);
    expect((await t.call("GET", path)).status).toBe(200);

    expect((await t.call("GET", `/v1/mcp-servers/connect/${id}`, undefined, keyB)).status).toBe(404);
    expect((await t.call("GET", `/v1/mcp-servers/${id}/tools`, undefined, keyB)).status).toBe(404);
    // B's own server at the same URL starts its own authorization: A's tokens are not used for it.
    const idB = await addServer(keyB);
    const before = oauth.acceptedTokens.length;
    const connectB = await t.call("GET", `/v1/mcp-servers/connect/${idB}`, undefined, keyB);
    expect(connectB.body.status).toBe("oauth_required");
    expect(new URL(connectB.body.authorization_url).searchParams.get("state")).toMatch(
      new RegExp(`^${orgB}~${idB}~`),
    );
    expect(oauth.acceptedTokens.length).toBe(before);
  });

  it("refuses an authorization URL that is neither https nor loopback", async () => {
    const hostile = await startOAuthMcpServer({
      authorizationEndpoint: "http://login.example.org/authorize",
    });
    try {
      const id = await addServer(keyA, hostile.url);
      const connect = await t.call("GET", `/v1/mcp-servers/connect/${id}`, undefined, keyA);
      expect(connect.status).toBe(400);
      expect(connect.body.detail).toMatch(/neither https nor loopback/);
      expect(JSON.stringify(connect.body)).not.toContain("authorization_url");
    } finally {
      await hostile.close();
    }
  });
});
