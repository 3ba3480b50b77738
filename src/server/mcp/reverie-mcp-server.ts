import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { type Message, ReverieError } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { withOrganization } from "../../store/tenancy.js";
import { REVERIE_VERSION } from "../../version.js";

/**
 * Reverie's agents as MCP tools, for any MCP client (Claude Desktop, an IDE, another agent): list
 * agents, send a message and get the reply, search archival and recall memory, read core memory. The
 * caller's organization scopes every call: the HTTP endpoint runs it inside the API key's organization,
 * and `reverie mcp` passes the organization of its key as `organizationId`, which every tool call then
 * runs in (stdio input arrives outside any request scope).
 */
export function buildReverieMcpServer(
  services: Services,
  options: { organizationId?: string | undefined } = {},
): McpServer {
  const { organizationId } = options;
  const answer = (work: () => Promise<unknown>): Promise<CallToolResult> =>
    organizationId === undefined ? respond(work) : withOrganization(organizationId, () => respond(work));
  const server = new McpServer(
    { name: "reverie", version: REVERIE_VERSION },
    {
      instructions:
        "Stateful agents with long-term memory. Call list_agents first to find an agent_id; never guess ids.",
    },
  );

  server.registerTool(
    "list_agents",
    {
      description: "List the agents (id, name, description, model), newest first.",
      inputSchema: {
        name: z.string().optional().describe("Only agents whose name contains this text"),
        limit: z.number().int().min(1).max(200).optional().describe("At most this many (default 50)"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ name, limit }) =>
      answer(async () => {
        const agents = await services.agents.list({ order: "desc", limit: limit ?? 50, query_text: name });
        return agents.map((agent) => ({
          id: agent.id,
          name: agent.name,
          description: agent.description ?? null,
          model: agent.llm_config?.handle ?? agent.llm_config?.model ?? null,
          tags: agent.tags,
        }));
      }),
  );

  server.registerTool(
    "send_message",
    {
      description:
        "Send a user message to an agent and wait for its reply. The agent remembers the exchange.",
      inputSchema: {
        agent_id: z.string().describe("The agent's id (from list_agents)"),
        message: z.string().min(1).describe("What to say"),
      },
    },
    ({ agent_id, message }) =>
      answer(async () => {
        const response = await services.messages.send(agent_id, {
          messages: [{ role: "user", content: message }],
        });
        const replies = response.messages
          .filter((view) => view.message_type === "assistant_message")
          .map((view) => textOf((view as { content?: unknown }).content));
        return {
          reply: replies.join("\n\n"),
          stop_reason: response.stop_reason.stop_reason,
          tool_calls: response.messages
            .filter((view) => view.message_type === "tool_call_message")
            .map((view) => (view as { tool_call?: { name?: string } }).tool_call?.name ?? null),
        };
      }),
  );

  server.registerTool(
    "search_archival_memory",
    {
      description: "Search an agent's archival (long-term) memory by meaning and keywords; best first.",
      inputSchema: {
        agent_id: z.string(),
        query: z.string().min(1),
        limit: z.number().int().min(1).max(100).optional().describe("Default 10"),
        tags: z.array(z.string()).optional().describe("Only passages with any of these tags"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ agent_id, query, limit, tags }) =>
      answer(async () => {
        const found = await services.archives.searchAgentMemory(agent_id, {
          query,
          limit: limit ?? 10,
          tags,
        });
        return found.results.map((hit) => ({
          id: hit.id,
          timestamp: hit.timestamp,
          content: hit.content,
          tags: hit.tags,
        }));
      }),
  );

  server.registerTool(
    "search_recall_memory",
    {
      description: "Search an agent's conversation history (recall memory); best first.",
      inputSchema: {
        agent_id: z.string(),
        query: z.string().min(1),
        limit: z.number().int().min(1).max(100).optional().describe("Default 10"),
      },
      annotations: { readOnlyHint: true },
    },
    ({ agent_id, query, limit }) =>
      answer(async () => {
        const found = await services.recall.search({ query, agent_id, limit: limit ?? 10 });
        return found.hits.map((hit) => ({
          message_id: hit.message.id,
          role: hit.message.role,
          created_at: hit.message.created_at,
          content: messageText(hit.message),
        }));
      }),
  );

  server.registerTool(
    "read_core_memory",
    {
      description: "Read an agent's core memory blocks (always in its context): label, value, limit.",
      inputSchema: { agent_id: z.string() },
      annotations: { readOnlyHint: true },
    },
    ({ agent_id }) =>
      answer(async () => {
        const blocks = await services.coreMemory.listBlocks(agent_id, { limit: 1_000 });
        return blocks.map((block) => ({
          label: block.label,
          value: block.value,
          limit: block.limit,
          description: block.description ?? null,
          read_only: block.read_only ?? false,
        }));
      }),
  );

  return server;
}

/** A tool's result as JSON text; a Reverie error (unknown agent, busy agent) is a tool error saying so. */
async function respond(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    const value = await work();
    return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }] };
  } catch (error) {
    if (error instanceof ReverieError) {
      return { isError: true, content: [{ type: "text", text: `${error.code}: ${error.message}` }] };
    }
    throw error;
  }
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part: { type?: string; text?: string }) => (part.type === "text" ? (part.text ?? "") : ""))
      .join("");
  }
  return "";
}

function messageText(message: Message): string {
  return textOf(message.content);
}
