import {
  type Block,
  type Clock,
  CreateBlockSchema,
  DEFAULT_RETURN_CHAR_LIMIT,
  type IdGenerator,
  type MessageContent,
  MessageContentSchema,
  type NewMessage,
  newMessageRecord,
  ReverieError,
  type Tool,
  type ToolReturn,
  ToolTypeSchema,
} from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { newBlock } from "../block-records.js";
import { serverIdOfTool, serverNameOfTool } from "../mcp/mcp-tool-rows.js";
import { upsertBaseTools } from "../tools/base-tools.js";
import { builtinTool } from "../tools/builtin-schemas.js";
import { toolReturnText } from "../tools/tool-return-text.js";
import type { AgentFileBlock, AgentFileMessage, AgentFileTool } from "./schema.js";

// Turning the entities of a parsed Agent File into store records. Each function checks what the
// schema could not (labels, limits, names) and throws a 422 naming the entity, before any write.

/**
 * A block row for a file block; its label follows the same rules as `POST /v1/blocks/`. Letta's exports
 * sometimes hold a value longer than its block's limit: the value is kept whole and the limit raised to
 * fit, which `notes` says.
 */
export function blockRecord(
  block: AgentFileBlock,
  index: number,
  deps: { ids: IdGenerator; clock: Clock },
  notes: string[],
): Block {
  const parsed = CreateBlockSchema.safeParse({
    label: block.label,
    value: block.value,
    limit: block.limit ?? undefined,
    description: block.description,
    read_only: block.read_only ?? undefined,
    hidden: block.hidden,
    metadata: block.metadata,
    tags: block.tags,
    is_template: block.is_template ?? undefined,
    template_name: block.template_name,
    project_id: block.project_id,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReverieError(
      "validation",
      `Invalid agent file: blocks[${index}].${issue?.path.join(".") || "label"}: ${issue?.message}`,
    );
  }
  const { limit } = parsed.data;
  if (limit !== undefined && parsed.data.value.length > limit) {
    const length = parsed.data.value.length;
    notes.push(
      `block '${parsed.data.label}' (blocks[${index}]) holds ${length} characters, more than its limit of ${limit}: its value was kept whole and its limit raised to ${length}`,
    );
    parsed.data.limit = length;
  }
  try {
    return newBlock(parsed.data, deps);
  } catch (error) {
    if (error instanceof ReverieError) {
      throw new ReverieError("validation", `Invalid agent file: blocks[${index}].${error.message}`);
    }
    throw error;
  }
}

/** What importing one file tool did, for the response's notes. */
export type ToolOutcome = "builtin" | "kept" | "replaced" | "created";

/**
 * The stored tool a file tool becomes. Built-in tools are this server's own and never overwritten;
 * any other tool is unique by name: created, or replaced when `override` is set, or kept as is.
 */
export async function resolveTool(
  tx: Store,
  tool: AgentFileTool,
  index: number,
  options: { override: boolean; ids: IdGenerator; clock: Clock },
): Promise<{ tool: Tool; outcome: ToolOutcome }> {
  const name = tool.name ?? tool.json_schema?.name;
  if (!name) throw new ReverieError("validation", `Invalid agent file: tools[${index}].name: missing`);
  if (builtinTool(name)) {
    const stored = (await tx.tools.getByName(name)) ?? (await builtinFromStore(tx, name, options));
    return { tool: stored, outcome: "builtin" };
  }
  const existing = await tx.tools.getByName(name);
  if (existing && (!options.override || existing.tool_type.startsWith("letta_"))) {
    return { tool: existing, outcome: "kept" };
  }
  // An MCP tool is bound to this server's MCP server of the same name; a configured server's own tool
  // row (listed from the server itself) is kept over the file's copy.
  const mcp = tool.tool_type === "external_mcp" ? await mcpBinding(tx, tool) : undefined;
  if (mcp?.server && existing && serverIdOfTool(existing) === mcp.server.id) {
    return { tool: existing, outcome: "kept" };
  }
  const type = ToolTypeSchema.safeParse(tool.tool_type ?? "custom");
  if (!type.success) {
    throw new ReverieError(
      "validation",
      `Invalid agent file: tools[${index}].tool_type: unknown tool type '${tool.tool_type}'`,
    );
  }
  const now = options.clock.now().toISOString();
  const record: Tool = {
    id: existing?.id ?? options.ids.next("tool"),
    name,
    description: tool.description ?? null,
    tool_type: type.data,
    source_type: tool.source_type ?? null,
    // Python source is kept verbatim with its schema: the schema is what the model is offered.
    source_code: tool.source_code ?? null,
    json_schema: {
      ...(tool.json_schema ?? {
        description: tool.description ?? undefined,
        parameters: { type: "object", properties: {}, required: [] },
      }),
      name,
    },
    args_json_schema: tool.args_json_schema ?? null,
    tags: tool.tags ?? [],
    return_char_limit: tool.return_char_limit ?? DEFAULT_RETURN_CHAR_LIMIT,
    default_requires_approval: tool.default_requires_approval ?? null,
    enable_parallel_execution: tool.enable_parallel_execution ?? null,
    pip_requirements: tool.pip_requirements ?? null,
    npm_requirements: tool.npm_requirements ?? null,
    metadata_: mcp ? { ...(tool.metadata_ ?? {}), mcp: mcp.metadata } : (tool.metadata_ ?? null),
    project_id: tool.project_id ?? null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  const stored = existing ? await tx.tools.upsertByName(record) : await tx.tools.create(record);
  return { tool: stored, outcome: existing ? "replaced" : "created" };
}

/** The configured MCP server an Agent File's MCP tool names (by server name), if any. */
async function mcpBinding(tx: Store, tool: AgentFileTool) {
  const serverName = serverNameOfTool({ metadata_: tool.metadata_ ?? null, tags: tool.tags ?? [] });
  const server = serverName === undefined ? undefined : await tx.mcpServers.getByName(serverName);
  const metadata: Record<string, unknown> = { server_name: serverName ?? null };
  if (server) metadata.server_id = server.id;
  return { server, metadata };
}

async function builtinFromStore(
  tx: Store,
  name: string,
  deps: { ids: IdGenerator; clock: Clock },
): Promise<Tool> {
  const tools = await upsertBaseTools(tx, deps);
  const tool = tools.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`built-in tool ${name} was not registered`);
  return tool;
}

/** Content part types Letta writes that this server keeps elsewhere (tool calls and returns). */
const FOLDED_PART_TYPES = new Set(["tool_call", "tool_return"]);

function textOf(parts: readonly MessageContent[]): string {
  return parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
}

function timestamp(value: string | null | undefined, fallback: string): string {
  if (!value) return fallback;
  const time = Date.parse(value);
  return Number.isNaN(time) ? fallback : new Date(time).toISOString();
}

/**
 * A stored message for a file message. Letta's variants are normalised: `function` is a tool
 * message, string content is a text part, and a tool message that carries its result only as text
 * and `tool_call_id` gets a proper tool return (the model must see each call answered).
 */
export function messageRecord(
  message: AgentFileMessage,
  target: { id: string; agentId: string; groupId: string | null; now: string },
  notes: { droppedParts: number },
): NewMessage {
  const parts =
    typeof message.content === "string" ? [{ type: "text", text: message.content }] : (message.content ?? []);
  const content: MessageContent[] = [];
  for (const part of parts) {
    const parsed = MessageContentSchema.safeParse(part);
    if (parsed.success) content.push(parsed.data);
    else if (!FOLDED_PART_TYPES.has(part.type)) notes.droppedParts++;
  }
  const role = message.role === "function" ? "tool" : message.role;
  let toolReturns: ToolReturn[] | null =
    message.tool_returns?.flatMap((result) =>
      result.tool_call_id
        ? [
            {
              tool_call_id: result.tool_call_id,
              status: result.status ?? "success",
              func_response:
                result.func_response == null ? textOf(content) : toolReturnText(result.func_response),
              ...(result.stdout != null && { stdout: result.stdout }),
              ...(result.stderr != null && { stderr: result.stderr }),
            },
          ]
        : [],
    ) ?? null;
  if (role === "tool" && !toolReturns?.length && message.tool_call_id) {
    toolReturns = [{ tool_call_id: message.tool_call_id, status: "success", func_response: textOf(content) }];
  }
  const toolCalls = message.tool_calls?.map((call) => ({
    id: call.id,
    type: "function" as const,
    function: { name: call.function.name, arguments: call.function.arguments },
  }));
  return newMessageRecord({
    id: target.id,
    agent_id: target.agentId,
    role,
    content,
    name: message.name ?? null,
    tool_calls: toolCalls?.length ? toolCalls : null,
    tool_call_id: message.tool_call_id ?? null,
    tool_returns: toolReturns,
    approvals: message.approvals?.length ? message.approvals : null,
    otid: message.otid ?? null,
    sender_id: message.sender_id ?? null,
    group_id: target.groupId,
    model: message.model ?? null,
    is_err: message.is_err ?? null,
    created_at: timestamp(message.created_at, target.now),
  });
}
