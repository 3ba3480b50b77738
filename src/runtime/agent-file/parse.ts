import type { z } from "zod";
import {
  type AgentFile,
  type AgentFileAgent,
  type AgentFileMessage,
  AgentFileSchema,
  type LegacyAgentFile,
  LegacyAgentFileSchema,
  parseRequestJson,
  ReverieError,
} from "../../domain/index.js";

/** A parsed Agent File and the format it came in. */
export interface ParsedAgentFile {
  file: AgentFile;
  format: "v2" | "v1";
}

// A Letta client that saved the export's JSON string with json.dumps produced files whose JSON is a
// string holding the real document; two levels are all that was ever seen.
const MAX_ENCODING_DEPTH = 3;

/**
 * Reads an Agent File: v2, legacy v1 (converted to v2), or either encoded twice. Checks every field
 * and every reference before anything is written; a problem is a 400 (not JSON) or a 422 naming it.
 */
export function parseAgentFile(text: string): ParsedAgentFile {
  let value: unknown = text;
  for (let depth = 0; typeof value === "string" && depth < MAX_ENCODING_DEPTH; depth++) {
    try {
      value = parseRequestJson(value, "The agent file");
    } catch (error) {
      if (error instanceof ReverieError) throw error;
      const reason = (error as Error).message;
      throw new ReverieError("invalid_argument", `The agent file is not valid JSON (truncated?): ${reason}`);
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ReverieError("validation", "The agent file must be a JSON object");
  }
  if ("agents" in value) {
    const file = check(AgentFileSchema, value);
    checkReferences(file);
    return { file, format: "v2" };
  }
  if ("core_memory" in value) {
    const file = fromLegacy(check(LegacyAgentFileSchema, value));
    checkReferences(file);
    return { file, format: "v1" };
  }
  throw new ReverieError(
    "validation",
    "Not an agent file: expected 'agents' (Agent File v2) or 'core_memory' (legacy v1) at the top level",
  );
}

function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const where = formatPath(issue.path);
    return where === "" ? issue.message : `${where}: ${issue.message}`;
  });
  const more = result.error.issues.length - problems.length;
  throw new ReverieError(
    "validation",
    `Invalid agent file: ${problems.join("; ")}${more > 0 ? ` (and ${more} more)` : ""}`,
  );
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === "number") return `${text}[${part}]`;
    const name = String(part);
    return text === "" ? name : `${text}.${name}`;
  }, "");
}

function invalid(message: string): never {
  throw new ReverieError("validation", `Invalid agent file: ${message}`);
}

function uniqueIds(kind: string, entities: ReadonlyArray<{ id: string }>): Set<string> {
  const ids = new Set<string>();
  entities.forEach((entity, index) => {
    if (ids.has(entity.id)) invalid(`${kind}[${index}].id: duplicate id '${entity.id}'`);
    ids.add(entity.id);
  });
  return ids;
}

/** Every id an entity names must be defined in the file (a dangling one would import half an agent). */
function checkReferences(file: AgentFile): void {
  const agents = uniqueIds("agents", file.agents);
  const blocks = uniqueIds("blocks", file.blocks ?? []);
  const tools = uniqueIds("tools", file.tools ?? []);
  const sources = uniqueIds("sources", file.sources ?? []);
  uniqueIds("files", file.files ?? []);
  (file.files ?? []).forEach((entry, index) => {
    if (!sources.has(entry.source_id)) {
      invalid(`files[${index}].source_id: no folder '${entry.source_id}' in the file`);
    }
  });
  uniqueIds("groups", file.groups ?? []);
  file.agents.forEach((agent, a) => {
    const at = `agents[${a}]`;
    (agent.block_ids ?? []).forEach((id, i) => {
      if (!blocks.has(id)) invalid(`${at}.block_ids[${i}]: no block '${id}' in the file`);
    });
    (agent.tool_ids ?? []).forEach((id, i) => {
      if (!tools.has(id)) invalid(`${at}.tool_ids[${i}]: no tool '${id}' in the file`);
    });
    for (const field of ["source_ids", "folder_ids"] as const) {
      (agent[field] ?? []).forEach((id, i) => {
        if (!sources.has(id)) invalid(`${at}.${field}[${i}]: no folder '${id}' in the file`);
      });
    }
    const messages = uniqueIds(`${at}.messages`, agent.messages ?? []);
    (agent.in_context_message_ids ?? []).forEach((id, i) => {
      if (!messages.has(id)) invalid(`${at}.in_context_message_ids[${i}]: no message '${id}' in this agent`);
    });
  });
  (file.groups ?? []).forEach((group, g) => {
    const at = `groups[${g}]`;
    group.agent_ids.forEach((id, i) => {
      if (!agents.has(id)) invalid(`${at}.agent_ids[${i}]: no agent '${id}' in the file`);
    });
    const manager = group.manager_config?.manager_agent_id;
    if (manager && !agents.has(manager)) {
      invalid(`${at}.manager_config.manager_agent_id: no agent '${manager}' in the file`);
    }
    (group.shared_block_ids ?? []).forEach((id, i) => {
      if (!blocks.has(id)) invalid(`${at}.shared_block_ids[${i}]: no block '${id}' in the file`);
    });
  });
}

/** Converts a legacy v1 file into the v2 shape, giving every entity a file-local id. */
function fromLegacy(legacy: LegacyAgentFile): AgentFile {
  const blocks = legacy.core_memory.map(({ metadata_, ...block }, index) => ({
    ...block,
    metadata: block.metadata ?? metadata_ ?? null,
    id: `block-${index}`,
  }));
  const tools = (legacy.tools ?? []).map((tool, index) => ({ ...tool, id: `tool-${index}` }));
  const messages: AgentFileMessage[] = (legacy.messages ?? []).map((message, index) => ({
    ...message,
    id: `message-${index}`,
  }));
  const window = (legacy.in_context_message_indices ?? []).map((index, i) => {
    const message = messages[index];
    if (message === undefined) {
      invalid(`in_context_message_indices[${i}]: index ${index} is past the ${messages.length} messages`);
    }
    return message.id;
  });
  const agent: AgentFileAgent = {
    id: "agent-0",
    name: legacy.name,
    agent_type: legacy.agent_type,
    system: legacy.system,
    description: legacy.description,
    llm_config: legacy.llm_config,
    embedding_config: legacy.embedding_config,
    tool_rules: legacy.tool_rules,
    tags: (legacy.tags ?? []).map((tag) => (typeof tag === "string" ? tag : tag.tag)),
    metadata: legacy.metadata_,
    message_buffer_autoclear: legacy.message_buffer_autoclear,
    tool_exec_environment_variables: Object.fromEntries(
      (legacy.tool_exec_environment_variables ?? []).map((variable) => [variable.key, ""]),
    ),
    block_ids: blocks.map((block) => block.id),
    tool_ids: tools.map((tool) => tool.id),
    messages,
    in_context_message_ids: window,
  };
  return { agents: [agent], blocks, tools, groups: [], created_at: legacy.created_at };
}
