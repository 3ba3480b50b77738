import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { buildTestMcpServer } from "./mcp-test-server.js";

/** An MCP server behind OAuth on 127.0.0.1, with its own authorization server (as many hosted ones are). */
export interface RunningOAuthMcpServer {
  /** The MCP endpoint (streamable HTTP). */
  url: string;
  /** Grants seen at the token endpoint, in order. */
  readonly grants: string[];
  /** Bearer tokens the MCP endpoint accepted, in order. */
  readonly acceptedTokens: string[];
  /** Makes every access token issued so far expired: the next MCP request gets 401. */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

interface Client {
  redirect_uris: string[];
}
interface PendingCode {
  client_id: string;
  redirect_uri: string;
  challenge: string;
}

/**
 * Speaks the MCP authorization spec: protected-resource metadata, authorization-server metadata,
 * dynamic client registration, an authorization endpoint that approves at once (the test is the
 * browser), a token endpoint with PKCE (S256) and refresh tokens that rotate, and an MCP endpoint that
 * answers 401 with `WWW-Authenticate` without a valid, unexpired token. `authorizationEndpoint`
 * overrides the advertised authorization URL (to test a hostile one).
 */
export async function startOAuthMcpServer(
  options: { authorizationEndpoint?: string } = {},
): Promise<RunningOAuthMcpServer> {
  const clients = new Map<string, Client>();
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, { expired: boolean }>();
  const refreshTokens = new Map<string, string>();
  const grants: string[] = [];
  const acceptedTokens: string[] = [];
  let base = "";

  const json = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  const issue = (clientId: string) => {
    const access = `at-${randomBytes(16).toString("hex")}`;
    const refresh = `rt-${randomBytes(16).toString("hex")}`;
    accessTokens.set(access, { expired: false });
    refreshTokens.set(refresh, clientId);
    return { access_token: access, token_type: "Bearer", expires_in: 3600, refresh_token: refresh };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    if (path.startsWith("/.well-known/oauth-protected-resource")) {
      return json(response, 200, { resource: `${base}/mcp`, authorization_servers: [base] });
    }
    if (path === "/.well-known/oauth-authorization-server") {
      return json(response, 200, {
        issuer: base,
        authorization_endpoint: options.authorizationEndpoint ?? `${base}/authorize`,
        token_endpoint: `${base}/token`,
        registration_endpoint: `${base}/register`,
        response_types_supported: ["code"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["none"],
      });
    }
    if (path === "/register" && request.method === "POST") {
      const metadata = JSON.parse(await readBody(request)) as Client;
      const clientId = `client-${randomBytes(8).toString("hex")}`;
      clients.set(clientId, { redirect_uris: metadata.redirect_uris ?? [] });
      return json(response, 201, { ...metadata, client_id: clientId, client_id_issued_at: 1 });
    }
    if (path === "/authorize") {
      const query = url.searchParams;
      const client = clients.get(query.get("client_id") ?? "");
      const redirect = query.get("redirect_uri") ?? "";
      if (!client?.redirect_uris.includes(redirect)) {
        return json(response, 400, {
          error: "invalid_request",
          error_description: "unknown client or redirect_uri",
        });
      }
      if (query.get("code_challenge_method") !== "S256" || !query.get("code_challenge")) {
        return json(response, 400, { error: "invalid_request", error_description: "PKCE S256 required" });
      }
      const code = `code-${randomBytes(12).toString("hex")}`;
      codes.set(code, {
        client_id: query.get("client_id") ?? "",
        redirect_uri: redirect,
        challenge: query.get("code_challenge") ?? "",
      });
      const back = new URL(redirect);
      back.searchParams.set("code", code);
      back.searchParams.set("state", query.get("state") ?? "");
      response.writeHead(302, { location: back.toString() });
      return response.end();
    }
    if (path === "/token" && request.method === "POST") {
      const form = new URLSearchParams(await readBody(request));
      const grant = form.get("grant_type") ?? "";
      grants.push(grant);
      if (grant === "authorization_code") {
        const pending = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (
          !pending ||
          pending.challenge !== challenge ||
          pending.redirect_uri !== form.get("redirect_uri") ||
          pending.client_id !== form.get("client_id")
        ) {
          return json(response, 400, { error: "invalid_grant" });
        }
        return json(response, 200, issue(pending.client_id));
      }
      if (grant === "refresh_token") {
        const clientId = refreshTokens.get(form.get("refresh_token") ?? "");
        refreshTokens.delete(form.get("refresh_token") ?? "");
        if (!clientId || clientId !== form.get("client_id"))
          return json(response, 400, { error: "invalid_grant" });
        return json(response, 200, issue(clientId));
      }
      return json(response, 400, { error: "unsupported_grant_type" });
    }
    if (path === "/mcp") {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
      const known = accessTokens.get(token);
      if (!known || known.expired) {
        return json(
          response,
          401,
          { error: "invalid_token" },
          {
            "www-authenticate": `Bearer error="invalid_token", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
          },
        );
      }
      acceptedTokens.push(token);
      // Stateless: a fresh server and transport per request.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const { server } = buildTestMcpServer();
      await server.connect(transport);
      response.on("close", () => {
        void transport.close();
        void server.close();
      });
      return transport.handleRequest(request, response);
    }
    json(response, 404, { error: "not found" });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/mcp`,
    grants,
    acceptedTokens,
    expireAccessTokens() {
      for (const token of accessTokens.values()) token.expired = true;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
