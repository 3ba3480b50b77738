import type { Context } from "hono";
import { z } from "zod";
import {
  LegacyMcpServerConfigSchema,
  McpConnectionTestSchema,
  McpOAuthCallbackQuerySchema,
  McpOAuthCallbackResultSchema,
  McpRefreshResultSchema,
  McpServerCreateSchema,
  McpServerSchema,
  McpServerUpdateSchema,
  McpToolSchema,
  RefreshMcpServerQuerySchema,
  RunMcpToolRequestSchema,
  ToolExecutionResultSchema,
  ToolSchema,
} from "../../domain/index.js";
import type { McpCaller } from "../../runtime/mcp/mcp-server-service.js";
import type { Services } from "../../runtime/services.js";
import type { Principal } from "../auth/api-keys.js";
import { type AnyRoute, defineRoute } from "../route.js";

/**
 * Who is asking: with API keys, whether the key is an admin key; without keys (a local server on
 * loopback) the one user is the operator.
 */
function callerOf(context: Context): McpCaller {
  const principal = context.get("principal") as Principal | undefined;
  return { isAdmin: principal === undefined ? true : principal.is_admin };
}

/** `/v1/mcp-servers/`: MCP servers of the organization, their tools, connection tests and tool runs. */
export function mcpServerRoutes(services: Services): AnyRoute[] {
  const { mcpServers } = services;
  return [
    defineRoute({
      method: "post",
      path: "/v1/mcp-servers/",
      operationId: "mcp_create_mcp_server",
      summary: "Add an MCP server (and list its tools when it answers)",
      tag: "mcp-servers",
      body: McpServerCreateSchema,
      response: McpServerSchema,
      handle: ({ body, context }) => mcpServers.create(body, callerOf(context)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/mcp-servers/",
      operationId: "mcp_list_mcp_servers",
      summary: "List MCP servers",
      tag: "mcp-servers",
      response: z.array(McpServerSchema),
      handle: () => mcpServers.list(),
    }),
    defineRoute({
      method: "get",
      path: "/v1/mcp-servers/connect/{mcp_server_id}",
      operationId: "mcp_connect_mcp_server",
      summary:
        "Connect to an MCP server and list its tools, or get the URL of the OAuth authorization it needs",
      tag: "mcp-servers",
      response: McpConnectionTestSchema,
      handle: ({ params, context }) =>
        mcpServers.connect(params.mcp_server_id, { origin: new URL(context.req.url).origin }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/tools/mcp/oauth/callback",
      operationId: "mcp_oauth_callback",
      summary: "Complete an MCP server's OAuth authorization (the authorization server redirects here)",
      tag: "tools",
      query: McpOAuthCallbackQuerySchema,
      response: McpOAuthCallbackResultSchema,
      handle: ({ query }) => mcpServers.completeOAuth(query),
    }),
    defineRoute({
      method: "get",
      path: "/v1/mcp-servers/{mcp_server_id}",
      operationId: "mcp_retrieve_mcp_server",
      summary: "Retrieve an MCP server",
      tag: "mcp-servers",
      response: McpServerSchema,
      handle: ({ params }) => mcpServers.get(params.mcp_server_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/mcp-servers/{mcp_server_id}",
      operationId: "mcp_update_mcp_server",
      summary: "Update an MCP server",
      tag: "mcp-servers",
      body: McpServerUpdateSchema,
      response: McpServerSchema,
      handle: ({ params, body, context }) => mcpServers.update(params.mcp_server_id, body, callerOf(context)),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/mcp-servers/{mcp_server_id}",
      operationId: "mcp_delete_mcp_server",
      summary: "Delete an MCP server and its tools",
      tag: "mcp-servers",
      response: z.null(),
      handle: async ({ params }) => {
        await mcpServers.delete(params.mcp_server_id);
        return null;
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/mcp-servers/{mcp_server_id}/tools",
      operationId: "mcp_list_tools_for_mcp_server",
      summary: "List the tools of an MCP server",
      tag: "mcp-servers",
      response: z.array(ToolSchema),
      handle: ({ params }) => mcpServers.listTools(params.mcp_server_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/mcp-servers/{mcp_server_id}/tools/{tool_id}",
      operationId: "mcp_retrieve_mcp_tool",
      summary: "Retrieve a tool of an MCP server",
      tag: "mcp-servers",
      response: ToolSchema,
      handle: ({ params }) => mcpServers.getTool(params.mcp_server_id, params.tool_id),
    }),
    defineRoute({
      method: "post",
      path: "/v1/mcp-servers/{mcp_server_id}/tools/{tool_id}/run",
      operationId: "mcp_run_tool",
      summary: "Run a tool of an MCP server with arguments",
      tag: "mcp-servers",
      body: RunMcpToolRequestSchema,
      response: ToolExecutionResultSchema,
      handle: ({ params, body }) => mcpServers.runTool(params.mcp_server_id, params.tool_id, body.args),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/mcp-servers/{mcp_server_id}/refresh",
      operationId: "mcp_refresh_mcp_server_tools",
      summary: "Re-read an MCP server's tools: add new ones, update changed ones, delete vanished ones",
      tag: "mcp-servers",
      query: RefreshMcpServerQuerySchema,
      response: McpRefreshResultSchema,
      handle: ({ params }) => mcpServers.refresh(params.mcp_server_id),
    }),
    defineRoute({
      method: "post",
      path: "/v1/tools/mcp/servers/test",
      operationId: "test_mcp_server",
      summary: "Test an MCP server configuration without saving it",
      tag: "tools",
      body: LegacyMcpServerConfigSchema,
      response: McpConnectionTestSchema,
      handle: ({ body, context }) => mcpServers.test(body, callerOf(context)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/tools/mcp/servers/{mcp_server_name}/tools",
      operationId: "list_mcp_tools_by_server",
      summary: "List the tools an MCP server offers now (by server name)",
      tag: "tools",
      response: z.array(McpToolSchema),
      handle: ({ params }) => mcpServers.listLiveToolsByName(params.mcp_server_name),
    }),
  ];
}
