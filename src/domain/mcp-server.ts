import { z } from "zod";
import { TimestampSchema } from "./common.js";

/** How Reverie reaches an MCP server. */
export const McpServerTypeSchema = z.enum(["streamable_http", "sse", "stdio"]);
export type McpServerType = z.infer<typeof McpServerTypeSchema>;

const headerMap = z.record(z.string(), z.string());

// An MCP server name becomes a tool tag (`mcp:<name>`) and a path segment of the legacy routes.
const ServerNameSchema = z
  .string()
  .min(1, "server_name must not be empty")
  .max(100, "server_name is at most 100 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "server_name may contain only letters, digits, '_', '.' and '-'");

const HttpUrlSchema = z
  .string()
  .url("server_url must be an absolute http(s) URL")
  .refine((url) => /^https?:\/\//i.test(url), "server_url must start with http:// or https://");

const HttpConfigFields = {
  server_url: HttpUrlSchema,
  auth_header: z.string().min(1).max(200).nullable().optional(),
  auth_token: z.string().max(10_000).nullable().optional(),
  custom_headers: headerMap.nullable().optional(),
};

const StdioConfigFields = {
  command: z.string().min(1, "command must not be empty").max(4096),
  args: z.array(z.string().max(10_000)).max(256),
  env: headerMap.nullable().optional(),
};

/** Letta's CreateStreamableHTTPMCPServer / CreateSSEMCPServer / CreateStdioMCPServer. */
export const McpServerConfigSchema = z.discriminatedUnion("mcp_server_type", [
  z.strictObject({ mcp_server_type: z.literal("streamable_http"), ...HttpConfigFields }),
  z.strictObject({ mcp_server_type: z.literal("sse"), ...HttpConfigFields }),
  z.strictObject({ mcp_server_type: z.literal("stdio"), ...StdioConfigFields }),
]);
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>;

/** Body of `POST /v1/mcp-servers/` (Letta's CreateMCPServerRequest). */
export const McpServerCreateSchema = z.strictObject({
  server_name: ServerNameSchema,
  config: McpServerConfigSchema,
});
export type McpServerCreate = z.infer<typeof McpServerCreateSchema>;

/** Body of `PATCH /v1/mcp-servers/{id}` (Letta's UpdateMCPServerRequest): only given fields change. */
export const McpServerUpdateSchema = z.strictObject({
  server_name: ServerNameSchema.nullable().optional(),
  config: z.discriminatedUnion("mcp_server_type", [
    z.strictObject({
      mcp_server_type: z.literal("streamable_http"),
      ...partialNullable(HttpConfigFields),
    }),
    z.strictObject({ mcp_server_type: z.literal("sse"), ...partialNullable(HttpConfigFields) }),
    z.strictObject({ mcp_server_type: z.literal("stdio"), ...partialNullable(StdioConfigFields) }),
  ]),
});
export type McpServerUpdate = z.infer<typeof McpServerUpdateSchema>;

function partialNullable<T extends Record<string, z.ZodType>>(fields: T) {
  return Object.fromEntries(
    Object.entries(fields).map(([key, schema]) => [key, schema.nullable().optional()]),
  ) as { [K in keyof T]: z.ZodOptional<z.ZodNullable<T[K]>> };
}

/**
 * A legacy `/v1/tools/mcp/servers` config (Letta's StdioServerConfig, SSEServerConfig,
 * StreamableHTTPServerConfig): the name and the connection in one object, `type` as discriminator.
 */
export const LegacyMcpServerConfigSchema = z.discriminatedUnion("type", [
  z.object({ server_name: ServerNameSchema, type: z.literal("streamable_http"), ...HttpConfigFields }),
  z.object({ server_name: ServerNameSchema, type: z.literal("sse"), ...HttpConfigFields }),
  z.object({ server_name: ServerNameSchema, type: z.literal("stdio"), ...StdioConfigFields }),
]);
export type LegacyMcpServerConfig = z.infer<typeof LegacyMcpServerConfigSchema>;

/** The parts of a server's configuration that are secrets: sealed at rest, masked in responses. */
export interface McpServerSecrets {
  auth_token?: string | null | undefined;
  custom_headers?: Record<string, string> | null | undefined;
  env?: Record<string, string> | null | undefined;
  /** OAuth: the registered client, the tokens and a pending authorization (never answered). */
  oauth?: McpOAuthState | null | undefined;
}

/** A server's OAuth state, sealed with its other secrets. */
export interface McpOAuthState {
  /** The callback URL the pending authorization (and its token exchange) uses. */
  redirect_uri?: string | undefined;
  /** The pending authorization's `state` and PKCE verifier; cleared once it completes. */
  state?: string | undefined;
  code_verifier?: string | undefined;
  client_information?: Record<string, unknown> | undefined;
  tokens?: Record<string, unknown> | undefined;
}

/** A configured MCP server as stored: its secrets sealed in one opaque string. */
export const McpServerRecordSchema = z.object({
  id: z.string(),
  server_name: z.string(),
  mcp_server_type: McpServerTypeSchema,
  server_url: z.string().nullable(),
  auth_header: z.string().nullable(),
  command: z.string().nullable(),
  args: z.array(z.string()).nullable(),
  /** `auth_token`, `custom_headers` and `env` as JSON, in a SecretBox envelope (never clear at rest). */
  secrets_sealed: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type McpServerRecord = z.infer<typeof McpServerRecordSchema>;

const ServerId = z.string();

/**
 * An MCP server as the API shows it (Letta's StreamableHTTPMCPServer / SSEMCPServer / StdioMCPServer).
 * Secret values are masked: the names of headers and variables show, their values do not.
 */
export const McpServerSchema = z.union([
  z.object({
    id: ServerId,
    server_name: z.string(),
    mcp_server_type: z.literal("streamable_http"),
    server_url: z.string(),
    auth_header: z.string().nullable(),
    auth_token: z.string().nullable(),
    custom_headers: headerMap.nullable(),
  }),
  z.object({
    id: ServerId,
    server_name: z.string(),
    mcp_server_type: z.literal("sse"),
    server_url: z.string(),
    auth_header: z.string().nullable(),
    auth_token: z.string().nullable(),
    custom_headers: headerMap.nullable(),
  }),
  z.object({
    id: ServerId,
    server_name: z.string(),
    mcp_server_type: z.literal("stdio"),
    command: z.string(),
    args: z.array(z.string()),
    env: headerMap.nullable(),
  }),
]);
export type McpServer = z.infer<typeof McpServerSchema>;

/** A tool as an MCP server lists it (Letta's MCPTool). */
export const McpToolSchema = z
  .object({
    name: z.string(),
    title: z.string().nullable().optional(),
    description: z.string().nullable().optional(),
    inputSchema: z.record(z.string(), z.unknown()),
    outputSchema: z.record(z.string(), z.unknown()).nullable().optional(),
    annotations: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .loose();
export type McpTool = z.infer<typeof McpToolSchema>;

/** Answer of a connection test: the tools the server lists. */
export const McpConnectionTestSchema = z.object({
  /** `oauth_required`: the server wants an OAuth authorization first; open `authorization_url`. */
  status: z.enum(["success", "oauth_required"]),
  message: z.string(),
  tools: z.array(McpToolSchema),
  authorization_url: z.string().nullable().optional(),
});

/** `GET /v1/tools/mcp/oauth/callback` query (Letta's): the authorization server's redirect. */
export const McpOAuthCallbackQuerySchema = z.object({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type McpOAuthCallbackQuery = z.infer<typeof McpOAuthCallbackQuerySchema>;

/** Answer of the OAuth callback. */
export const McpOAuthCallbackResultSchema = z.object({
  status: z.literal("success"),
  message: z.string(),
  mcp_server_id: z.string(),
});
export type McpOAuthCallbackResult = z.infer<typeof McpOAuthCallbackResultSchema>;
export type McpConnectionTest = z.infer<typeof McpConnectionTestSchema>;

/** Answer of a refresh: which of the server's tools were added, updated and deleted, by name. */
export const McpRefreshResultSchema = z.object({
  message: z.string(),
  tools_added: z.array(z.string()),
  tools_updated: z.array(z.string()),
  tools_deleted: z.array(z.string()),
});
export type McpRefreshResult = z.infer<typeof McpRefreshResultSchema>;

/** The tag Letta puts on the tools of an MCP server. */
export function mcpServerTag(serverName: string): string {
  return `mcp:${serverName}`;
}

/** `POST /v1/mcp-servers/{id}/tools/{tool_id}/run` body: the tool's arguments. */
export const RunMcpToolRequestSchema = z
  .strictObject({ args: z.record(z.string(), z.unknown()).default({}) })
  .default({ args: {} });

/** `PATCH /v1/mcp-servers/{id}/refresh` query (Letta's; the refresh is per server, so `agent_id` changes nothing). */
export const RefreshMcpServerQuerySchema = z.object({ agent_id: z.string().nullable().optional() });
