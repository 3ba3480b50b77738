import { type McpServerRecord, type McpTool, mcpServerTag, type Tool } from "../../domain/index.js";

/** The fields of an `external_mcp` tool row that come from the server and its listing. */
export function mcpToolFields(server: Pick<McpServerRecord, "id" | "server_name">, mcpTool: McpTool) {
  const description = mcpTool.description ?? null;
  const parameters = { type: "object", properties: {}, ...mcpTool.inputSchema };
  return {
    name: mcpTool.name,
    description,
    tool_type: "external_mcp" as const,
    json_schema: {
      name: mcpTool.name,
      ...(description === null ? {} : { description }),
      parameters,
    },
    tags: [mcpServerTag(server.server_name)],
    metadata_: { mcp: { server_name: server.server_name, server_id: server.id } },
  };
}

/** The id of the MCP server an `external_mcp` tool belongs to (from its metadata), if any. */
export function serverIdOfTool(tool: Tool): string | undefined {
  const mcp = tool.metadata_?.mcp as { server_id?: unknown } | undefined;
  return typeof mcp?.server_id === "string" ? mcp.server_id : undefined;
}

/** The MCP server name an `external_mcp` tool names in its metadata (Agent Files carry it), if any. */
export function serverNameOfTool(tool: Pick<Tool, "metadata_" | "tags">): string | undefined {
  const mcp = tool.metadata_?.mcp as { server_name?: unknown } | undefined;
  if (typeof mcp?.server_name === "string") return mcp.server_name;
  const tag = tool.tags.find((candidate) => candidate.startsWith("mcp:"));
  return tag?.slice("mcp:".length);
}

/** JSON with object keys sorted: equal for equal values whatever order a database kept the keys in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : inner,
  );
}
