import { auth } from "@modelcontextprotocol/sdk/client/auth.js";
import {
  type Clock,
  DEFAULT_RETURN_CHAR_LIMIT,
  type IdGenerator,
  type LegacyMcpServerConfig,
  type McpConnectionTest,
  type McpOAuthCallbackQuery,
  type McpOAuthCallbackResult,
  type McpOAuthState,
  type McpRefreshResult,
  type McpServer,
  type McpServerConfig,
  McpServerConfigSchema,
  type McpServerCreate,
  type McpServerRecord,
  type McpServerSecrets,
  type McpServerUpdate,
  type McpTool,
  mcpServerTag,
  notFound,
  ReverieError,
  type Tool,
  type ToolExecutionResult,
} from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { currentOrganization, withOrganization } from "../../store/tenancy.js";
import type { SecretBox } from "../secrets/index.js";
import { limitToolReturn } from "../tools/return-char-limit.js";
import { type McpClientPool, McpUnavailableError } from "./mcp-client-pool.js";
import {
  MCP_OAUTH_CALLBACK_PATH,
  parseOAuthState,
  StoredOAuthProvider,
  sameOAuthState,
} from "./mcp-oauth.js";
import { canonicalJson, mcpToolFields, serverIdOfTool, serverNameOfTool } from "./mcp-tool-rows.js";
import type { McpConnectionConfig } from "./mcp-transport.js";

/** What the MCP server service is built from. */
export interface McpServerServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  pool: McpClientPool;
  /** Seals the token, headers and env before they reach the store (AES-256-GCM). */
  secretBox: SecretBox;
  /** Whether stdio servers (which run commands on this machine) may be added and started. */
  stdioAllowed: boolean;
}

/** What a caller may do; stdio servers need an admin (once API keys carry the flag). */
export interface McpCaller {
  isAdmin: boolean;
}

const ANYONE: McpCaller = { isAdmin: true };

export type McpServerService = ReturnType<typeof createMcpServerService>;

/** `/v1/mcp-servers`: configured servers, their tools (stored as `external_mcp` tools), tests, runs. */
export function createMcpServerService(deps: McpServerServiceDeps) {
  const { store, pool, secretBox } = deps;

  const poolKey = (server: McpServerRecord) => `${currentOrganization()}/${server.id}`;

  function refuseStdio(type: string, caller: McpCaller): void {
    if (type !== "stdio") return;
    if (!deps.stdioAllowed) {
      throw new ReverieError(
        "forbidden",
        "stdio MCP servers run commands on the Reverie host and are disabled: the operator enables them with REVERIE_MCP_STDIO=on",
      );
    }
    if (!caller.isAdmin) {
      throw new ReverieError("forbidden", "Only an admin API key may add or change a stdio MCP server");
    }
  }

  function secretsOf(server: McpServerRecord): McpServerSecrets {
    if (server.secrets_sealed === null) return {};
    try {
      return JSON.parse(secretBox.open(server.secrets_sealed)) as McpServerSecrets;
    } catch (error) {
      // A key problem is the SecretBox's own error (it names REVERIE_SECRET_KEY).
      if (error instanceof ReverieError) throw error;
      throw new ReverieError(
        "unavailable",
        `The secrets of MCP server '${server.server_name}' cannot be read: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  function seal(secrets: McpServerSecrets): string | null {
    const kept = Object.fromEntries(
      Object.entries(secrets).filter(([, value]) => value !== undefined && value !== null),
    );
    return Object.keys(kept).length === 0 ? null : secretBox.seal(JSON.stringify(kept));
  }

  function configOf(server: McpServerRecord): McpServerConfig {
    const secrets = secretsOf(server);
    if (server.mcp_server_type === "stdio") {
      return {
        mcp_server_type: "stdio",
        command: server.command ?? "",
        args: server.args ?? [],
        env: secrets.env ?? null,
      };
    }
    return {
      mcp_server_type: server.mcp_server_type,
      server_url: server.server_url ?? "",
      auth_header: server.auth_header,
      auth_token: secrets.auth_token ?? null,
      custom_headers: secrets.custom_headers ?? null,
    };
  }

  function recordFields(config: McpServerConfig) {
    if (config.mcp_server_type === "stdio") {
      return {
        mcp_server_type: config.mcp_server_type,
        server_url: null,
        auth_header: null,
        command: config.command,
        args: config.args,
        secrets_sealed: seal({ env: config.env }),
      };
    }
    return {
      mcp_server_type: config.mcp_server_type,
      server_url: config.server_url,
      auth_header: config.auth_header ?? null,
      command: null,
      args: null,
      secrets_sealed: seal({ auth_token: config.auth_token, custom_headers: config.custom_headers }),
    };
  }

  async function requireServer(id: string): Promise<McpServerRecord> {
    const server = await store.mcpServers.get(id);
    if (!server) throw notFound("MCP server", id);
    return server;
  }

  async function requireServerByName(name: string): Promise<McpServerRecord> {
    const server = await store.mcpServers.getByName(name);
    if (!server) throw new ReverieError("not_found", `MCP server '${name}' not found`);
    return server;
  }

  function connectionOf(server: McpServerRecord, redirectUri?: string): McpConnectionConfig {
    if (server.mcp_server_type === "stdio" && !deps.stdioAllowed) {
      throw new McpUnavailableError(
        `MCP server '${server.server_name}' is a stdio server, and stdio servers are disabled (REVERIE_MCP_STDIO=on enables them)`,
        0,
      );
    }
    const connection = connectionConfig(configOf(server));
    const oauth = oauthProviderOf(server, connection, redirectUri);
    return oauth ? { ...connection, authProvider: oauth } : connection;
  }

  /** The server's OAuth state, read fresh from its sealed secrets. */
  function oauthStateStore(serverId: string, organizationId: string) {
    const current = async () => {
      const server = await withOrganization(organizationId, () => store.mcpServers.get(serverId));
      if (!server) throw new Error("the MCP server was deleted");
      return server;
    };
    return {
      load: async (): Promise<McpOAuthState> => secretsOf(await current()).oauth ?? {},
      save: async (patch: Partial<McpOAuthState>) => {
        const server = await current();
        const secrets = secretsOf(server);
        const oauth = { ...(secrets.oauth ?? {}), ...patch };
        await withOrganization(organizationId, () =>
          store.mcpServers.update(serverId, { secrets_sealed: seal({ ...secrets, oauth }) }),
        );
      },
    };
  }

  /**
   * An OAuth client for an HTTP server that has no static token or Authorization header: it stays
   * silent until the server answers 401, then refreshes or asks for an authorization.
   */
  function oauthProviderOf(
    server: McpServerRecord,
    connection: McpConnectionConfig,
    redirectUri: string | undefined,
  ): StoredOAuthProvider | undefined {
    if (connection.type === "stdio") return undefined;
    if (Object.keys(connection.headers ?? {}).some((name) => name.toLowerCase() === "authorization"))
      return undefined;
    // Only a flow that knows its callback URL (started by connect, or stored by one) may register a
    // client: a registration without it would be unusable later.
    const stored = redirectUri ?? secretsOf(server).oauth?.redirect_uri;
    if (!stored) return undefined;
    const organizationId = currentOrganization();
    return new StoredOAuthProvider(oauthStateStore(server.id, organizationId), {
      organizationId,
      serverId: server.id,
      redirectUri: stored,
    });
  }

  /** The tools stored for a server, by name. */
  async function storedTools(server: McpServerRecord): Promise<Map<string, Tool>> {
    const tools = await store.tools.list({ tool_types: ["external_mcp"], limit: 100_000, order: "asc" });
    return new Map(
      tools.filter((tool) => serverIdOfTool(tool) === server.id).map((tool) => [tool.name, tool]),
    );
  }

  /** Makes the stored tools of `server` match what it lists now. */
  async function syncTools(server: McpServerRecord): Promise<McpRefreshResult> {
    const listed = await pool.listTools(poolKey(server), connectionOf(server), { refresh: true });
    const stored = await storedTools(server);
    const result: McpRefreshResult = { message: "", tools_added: [], tools_updated: [], tools_deleted: [] };
    const skipped: string[] = [];
    const now = deps.clock.now().toISOString();
    for (const mcpTool of listed) {
      const fields = mcpToolFields(server, mcpTool);
      const existing = stored.get(mcpTool.name);
      if (existing) {
        stored.delete(mcpTool.name);
        if (canonicalJson(toComparable(existing)) === canonicalJson(fields)) continue;
        await store.tools.update(existing.id, { ...fields, updated_at: now });
        result.tools_updated.push(mcpTool.name);
        continue;
      }
      const named = await store.tools.getByName(mcpTool.name);
      if (named && isUnboundToolOf(named, server)) {
        // An imported tool that named this server: it becomes the server's own.
        await store.tools.update(named.id, { ...fields, updated_at: now });
        result.tools_updated.push(mcpTool.name);
        continue;
      }
      if (named) {
        // Tool names are unique in an organization: another tool (or server) has this one.
        skipped.push(mcpTool.name);
        continue;
      }
      await store.tools.create({
        id: deps.ids.next("tool"),
        ...fields,
        source_type: null,
        source_code: null,
        args_json_schema: null,
        return_char_limit: DEFAULT_RETURN_CHAR_LIMIT,
        default_requires_approval: null,
        enable_parallel_execution: null,
        pip_requirements: null,
        npm_requirements: null,
        project_id: null,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: now,
        updated_at: now,
      });
      result.tools_added.push(mcpTool.name);
    }
    for (const gone of stored.values()) {
      await store.tools.delete(gone.id);
      result.tools_deleted.push(gone.name);
    }
    result.message =
      `MCP server '${server.server_name}' lists ${listed.length} tools` +
      (skipped.length > 0 ? `; not added because another tool has the name: ${skipped.join(", ")}` : "");
    return result;
  }

  async function syncQuietly(server: McpServerRecord): Promise<void> {
    try {
      await syncTools(server);
    } catch {
      // An unreachable server is saved anyway; refresh lists its tools once it answers.
    }
  }

  async function connectionTest(
    run: () => Promise<McpTool[]>,
    serverName: string,
  ): Promise<McpConnectionTest> {
    try {
      const tools = await run();
      return {
        status: "success",
        message: `Connected to MCP server '${serverName}': ${tools.length} tools`,
        tools,
      };
    } catch (error) {
      if (error instanceof ReverieError) throw error;
      throw new ReverieError(
        "invalid_argument",
        `Failed to connect to MCP server '${serverName}': ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  return {
    async create(body: McpServerCreate, caller: McpCaller = ANYONE): Promise<McpServer> {
      refuseStdio(body.config.mcp_server_type, caller);
      const now = deps.clock.now().toISOString();
      const server = await store.mcpServers.create({
        id: deps.ids.next("mcp_server"),
        server_name: body.server_name,
        ...recordFields(body.config),
        created_at: now,
        updated_at: now,
      });
      await syncQuietly(server);
      return present(server, configOf(server));
    },

    async list(): Promise<McpServer[]> {
      const servers = await store.mcpServers.list();
      return servers.map((server) => present(server, configOf(server)));
    },

    async get(id: string): Promise<McpServer> {
      const server = await requireServer(id);
      return present(server, configOf(server));
    },

    async update(id: string, body: McpServerUpdate, caller: McpCaller = ANYONE): Promise<McpServer> {
      const server = await requireServer(id);
      const current = configOf(server);
      const merged = mergeConfig(current, body.config);
      if (current.mcp_server_type === "stdio" || merged.mcp_server_type === "stdio") {
        refuseStdio("stdio", caller);
      }
      const renamed = body.server_name ?? server.server_name;
      const updated = await store.mcpServers.update(id, {
        server_name: renamed,
        ...recordFields(merged),
      });
      if (!updated) throw notFound("MCP server", id);
      await pool.evict(poolKey(server));
      if (renamed !== server.server_name) {
        // The tag and metadata of its tools carry the name.
        for (const tool of (await storedTools(updated)).values()) {
          await store.tools.update(tool.id, {
            tags: [
              ...tool.tags.filter((tag) => tag !== mcpServerTag(server.server_name)),
              mcpServerTag(renamed),
            ],
            metadata_: { ...(tool.metadata_ ?? {}), mcp: { server_name: renamed, server_id: updated.id } },
          });
        }
      }
      await syncQuietly(updated);
      return present(updated, configOf(updated));
    },

    async delete(id: string): Promise<void> {
      const server = await requireServer(id);
      const tools = await storedTools(server);
      await store.transaction(async (tx) => {
        for (const tool of tools.values()) await tx.tools.delete(tool.id);
        await tx.mcpServers.delete(id);
      });
      await pool.evict(poolKey(server));
    },

    /** The server's tools as stored (refresh re-reads them from the server). */
    async listTools(id: string): Promise<Tool[]> {
      const server = await requireServer(id);
      return [...(await storedTools(server)).values()];
    },

    async getTool(id: string, toolId: string): Promise<Tool> {
      const server = await requireServer(id);
      const tool = [...(await storedTools(server)).values()].find((candidate) => candidate.id === toolId);
      if (!tool) throw notFound("Tool", toolId);
      return tool;
    },

    async runTool(id: string, toolId: string, args: Record<string, unknown>): Promise<ToolExecutionResult> {
      const server = await requireServer(id);
      const tool = [...(await storedTools(server)).values()].find((candidate) => candidate.id === toolId);
      if (!tool) throw notFound("Tool", toolId);
      const outcome = await callQuietly(server, tool.name, args);
      return {
        status: outcome.isError ? "error" : "success",
        func_return: limitToolReturn(tool, outcome.text),
        stdout: [],
        stderr: [],
      };
    },

    async refresh(id: string): Promise<McpRefreshResult> {
      const server = await requireServer(id);
      try {
        return await syncTools(server);
      } catch (error) {
        throw new ReverieError(
          "invalid_argument",
          `Could not refresh the tools of MCP server '${server.server_name}': ${(error as Error).message}`,
          { cause: error },
        );
      }
    },

    /** Tests a saved server's connection (through the pool: a working connection stays open). */
    /**
     * Connects and lists the tools. A server that wants OAuth answers `oauth_required` with the URL to
     * open; its redirect comes back to `origin` + the callback path, which completes the authorization.
     */
    async connect(id: string, options: { origin?: string | undefined } = {}): Promise<McpConnectionTest> {
      const server = await requireServer(id);
      const redirectUri = options.origin ? `${options.origin}${MCP_OAUTH_CALLBACK_PATH}` : undefined;
      const connection = connectionOf(server, redirectUri);
      // An explicit connect starts afresh: no backoff left from a failed or unauthorized attempt.
      await pool.evict(poolKey(server));
      try {
        return await connectionTest(
          () => pool.listTools(poolKey(server), connection, { refresh: true }),
          server.server_name,
        );
      } catch (error) {
        const authorizationUrl =
          connection.authProvider instanceof StoredOAuthProvider
            ? connection.authProvider.authorizationUrl
            : undefined;
        if (!authorizationUrl) throw error;
        await pool.evict(poolKey(server));
        return {
          status: "oauth_required",
          message: `MCP server '${server.server_name}' needs an OAuth authorization: open authorization_url; its callback completes the connection`,
          tools: [],
          authorization_url: authorizationUrl.toString(),
        };
      }
    },

    /**
     * Letta's OAuth callback: the authorization server redirects the browser here with `code` and
     * `state`. The state names the organization and server and must equal the pending one (it is then
     * spent); the code is exchanged for tokens, sealed with the server's secrets, and the server's
     * tools are read again.
     */
    async completeOAuth(query: McpOAuthCallbackQuery): Promise<McpOAuthCallbackResult> {
      if (query.error) {
        throw new ReverieError(
          "invalid_argument",
          `The OAuth authorization failed: ${query.error}${query.error_description ? `: ${query.error_description}` : ""}`,
        );
      }
      if (!query.code || !query.state) {
        throw new ReverieError("invalid_argument", "The OAuth callback needs `code` and `state`");
      }
      const { code, state } = query;
      const named = parseOAuthState(state);
      const mismatch = new ReverieError(
        "invalid_argument",
        "The OAuth state does not match a pending authorization: start again with GET /v1/mcp-servers/connect/{mcp_server_id}",
      );
      if (!named) throw mismatch;
      return withOrganization(named.organizationId, async () => {
        const server = await store.mcpServers.get(named.serverId);
        const pending = server ? secretsOf(server).oauth : undefined;
        if (!server || !pending || !sameOAuthState(state, pending.state)) throw mismatch;
        const stateStore = oauthStateStore(server.id, named.organizationId);
        // The state is single-use: spent before the exchange, so a replayed callback finds nothing.
        await stateStore.save({ state: undefined });
        const provider = new StoredOAuthProvider(stateStore, {
          organizationId: named.organizationId,
          serverId: server.id,
          redirectUri: pending.redirect_uri,
        });
        try {
          const result = await auth(provider, {
            serverUrl: server.server_url ?? "",
            authorizationCode: code,
          });
          if (result !== "AUTHORIZED") throw new Error("the authorization server did not issue tokens");
        } catch (error) {
          throw new ReverieError(
            "invalid_argument",
            `Exchanging the OAuth code of MCP server '${server.server_name}' failed: ${(error as Error).message}`,
            { cause: error },
          );
        } finally {
          await stateStore.save({ code_verifier: undefined });
        }
        await pool.evict(poolKey(server));
        await syncQuietly(server);
        return {
          status: "success",
          message: `MCP server '${server.server_name}' is authorized`,
          mcp_server_id: server.id,
        };
      });
    },

    /** Tests a configuration that is not saved: a connection of its own, closed afterwards. */
    async test(config: LegacyMcpServerConfig, caller: McpCaller = ANYONE): Promise<McpConnectionTest> {
      const { server_name, ...rest } = config;
      const typed = { ...rest, mcp_server_type: config.type } as McpServerConfig & { type?: string };
      delete typed.type;
      refuseStdio(typed.mcp_server_type, caller);
      return connectionTest(() => pool.probe(connectionConfig(typed)), server_name);
    },

    /** Legacy `GET /v1/tools/mcp/servers/{name}/tools`: what the server lists now. */
    async listLiveToolsByName(name: string): Promise<McpTool[]> {
      const server = await requireServerByName(name);
      try {
        return await pool.listTools(poolKey(server), connectionOf(server));
      } catch (error) {
        throw new ReverieError(
          "invalid_argument",
          `MCP server '${name}' did not list its tools: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },

    /**
     * Calls an `external_mcp` tool for the agent loop. An unreachable server, a timeout or a server
     * error all come back as an error outcome (the model reads it); nothing throws, nothing hangs.
     */
    async executeTool(
      tool: Tool,
      args: Record<string, unknown>,
      options: { signal?: AbortSignal } = {},
    ): Promise<{ isError: boolean; text: string }> {
      // Bound by id once listed from the server; an imported tool may name its server only.
      const serverId = serverIdOfTool(tool);
      const serverName = serverNameOfTool(tool);
      const server =
        serverId !== undefined
          ? await store.mcpServers.get(serverId)
          : serverName !== undefined
            ? await store.mcpServers.getByName(serverName)
            : undefined;
      if (!server) {
        return {
          isError: true,
          text: `MCP tool '${tool.name}' has no configured MCP server: add it with POST /v1/mcp-servers/`,
        };
      }
      return callQuietly(server, tool.name, args, options.signal);
    },

    /** Closes every pooled connection (stdio children included). */
    close: () => pool.close(),
  };

  async function callQuietly(
    server: McpServerRecord,
    name: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<{ isError: boolean; text: string }> {
    try {
      return await pool.callTool(poolKey(server), connectionOf(server), name, args, { signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const kind = error instanceof Error ? error.name : "Error";
      return { isError: true, text: `Error executing function ${name}: ${kind}: ${message}`.slice(0, 1_000) };
    }
  }
}

/** The connection settings of a config, secrets merged into headers as the server expects them. */
export function connectionConfig(config: McpServerConfig): McpConnectionConfig {
  if (config.mcp_server_type === "stdio") {
    return { type: "stdio", command: config.command, args: config.args, env: config.env ?? undefined };
  }
  const headers: Record<string, string> = { ...(config.custom_headers ?? {}) };
  if (config.auth_token) {
    const header = config.auth_header ?? "Authorization";
    const bearer = header.toLowerCase() === "authorization" && !/^bearer\s/i.test(config.auth_token);
    headers[header] = bearer ? `Bearer ${config.auth_token}` : config.auth_token;
  }
  return { type: config.mcp_server_type, url: config.server_url, headers };
}

/** Applies an update: undefined keeps a field, null clears an optional one, the type may change. */
function mergeConfig(current: McpServerConfig, patch: McpServerUpdate["config"]): McpServerConfig {
  const base: Record<string, unknown> =
    current.mcp_server_type === patch.mcp_server_type ? { ...current } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null && (key === "server_url" || key === "command" || key === "args")) continue;
    base[key] = value;
  }
  base.mcp_server_type = patch.mcp_server_type;
  const parsed = McpServerConfigSchema.safeParse(base);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReverieError(
      "validation",
      `A ${patch.mcp_server_type} MCP server needs ${issue?.path.join(".") || "more fields"}: ${issue?.message ?? "invalid config"}`,
    );
  }
  return parsed.data;
}

/** A server as the API shows it: secret values masked, their names kept. */
function present(server: McpServerRecord, config: McpServerConfig): McpServer {
  if (config.mcp_server_type === "stdio") {
    return {
      id: server.id,
      server_name: server.server_name,
      mcp_server_type: "stdio",
      command: config.command,
      args: config.args,
      env: maskValues(config.env),
    };
  }
  return {
    id: server.id,
    server_name: server.server_name,
    mcp_server_type: config.mcp_server_type,
    server_url: config.server_url,
    auth_header: config.auth_header ?? null,
    auth_token: config.auth_token ? maskSecret(config.auth_token) : null,
    custom_headers: maskValues(config.custom_headers),
  };
}

/** `****` and, for values long enough not to give much away, their last four characters. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `****${value.slice(-4)}` : "****";
}

function maskValues(values: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!values) return null;
  return Object.fromEntries(Object.keys(values).map((key) => [key, maskSecret(values[key] ?? "")]));
}

function isUnboundToolOf(tool: Tool, server: McpServerRecord): boolean {
  return (
    tool.tool_type === "external_mcp" &&
    serverIdOfTool(tool) === undefined &&
    serverNameOfTool(tool) === server.server_name
  );
}

function toComparable(tool: Tool) {
  return {
    name: tool.name,
    description: tool.description,
    tool_type: tool.tool_type,
    json_schema: tool.json_schema,
    tags: tool.tags,
    metadata_: tool.metadata_,
  };
}
