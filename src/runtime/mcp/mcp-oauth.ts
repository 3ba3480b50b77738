import { randomBytes, timingSafeEqual } from "node:crypto";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { McpOAuthState } from "../../domain/index.js";

/** Where a server's OAuth state lives (its sealed secrets); every read is fresh, every write merges. */
export interface McpOAuthStateStore {
  load(): Promise<McpOAuthState>;
  save(patch: Partial<McpOAuthState>): Promise<void>;
}

/** The path of the OAuth callback (Letta's), relative to the Reverie server's public origin. */
export const MCP_OAUTH_CALLBACK_PATH = "/v1/tools/mcp/oauth/callback";

/**
 * The OAuth `state` of an authorization: which organization and server it is for, and 32 random bytes.
 * The callback arrives from a browser without an API key, so the state names where to look; only the
 * random part, compared with the stored one, proves the callback belongs to that authorization.
 */
export function newOAuthState(organizationId: string, serverId: string): string {
  return `${organizationId}~${serverId}~${randomBytes(32).toString("base64url")}`;
}

/** The organization and server a callback's `state` names, if it has the shape of one. */
export function parseOAuthState(state: string): { organizationId: string; serverId: string } | undefined {
  const parts = state.split("~");
  if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2]) return undefined;
  return { organizationId: parts[0], serverId: parts[1] };
}

/** Whether a presented state is the pending one (constant time). */
export function sameOAuthState(presented: string, pending: string | undefined): boolean {
  if (!pending) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(pending);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The SDK's OAuth client for one MCP server, backed by the server's sealed secrets: dynamic client
 * registration, PKCE and tokens are stored there (encrypted like its headers), so a restart or another
 * replica keeps them. The SDK refreshes an expired token with the stored refresh token when the server
 * answers 401, and asks for a new authorization (captured in `authorizationUrl`) when that fails.
 */
export class StoredOAuthProvider implements OAuthClientProvider {
  /** The authorization URL the SDK asked to send the user to, once it did. */
  authorizationUrl: URL | undefined;

  constructor(
    private readonly store: McpOAuthStateStore,
    private readonly options: {
      organizationId: string;
      serverId: string;
      /** Known when the flow starts from a request (its origin); later read from the stored state. */
      redirectUri?: string | undefined;
    },
  ) {}

  get redirectUrl(): string | undefined {
    return this.options.redirectUri;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Reverie",
      redirect_uris: this.options.redirectUri ? [this.options.redirectUri] : [],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  async state(): Promise<string> {
    const state = newOAuthState(this.options.organizationId, this.options.serverId);
    await this.store.save({ state });
    return state;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    return (await this.store.load()).client_information as OAuthClientInformationMixed | undefined;
  }

  async saveClientInformation(information: OAuthClientInformationMixed): Promise<void> {
    await this.store.save({ client_information: { ...information } });
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    return (await this.store.load()).tokens as OAuthTokens | undefined;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.store.save({ tokens: { ...tokens } });
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    if (authorizationUrl.protocol !== "https:" && !isLoopback(authorizationUrl)) {
      throw new Error(
        `the authorization server sent an authorization URL that is neither https nor loopback: ${authorizationUrl.protocol}//${authorizationUrl.host}`,
      );
    }
    this.authorizationUrl = authorizationUrl;
  }

  async saveCodeVerifier(codeVerifier: string): Promise<void> {
    await this.store.save({
      code_verifier: codeVerifier,
      ...(this.options.redirectUri ? { redirect_uri: this.options.redirectUri } : {}),
    });
  }

  async codeVerifier(): Promise<string> {
    const verifier = (await this.store.load()).code_verifier;
    if (!verifier) throw new Error("no authorization is pending for this MCP server");
    return verifier;
  }

  async invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): Promise<void> {
    if (scope === "all") await this.store.save({ tokens: undefined, client_information: undefined });
    if (scope === "client") await this.store.save({ client_information: undefined });
    if (scope === "tokens") await this.store.save({ tokens: undefined });
    if (scope === "verifier") await this.store.save({ code_verifier: undefined });
  }
}

function isLoopback(url: URL): boolean {
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}
