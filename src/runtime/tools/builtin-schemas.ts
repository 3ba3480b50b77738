import type { AgentType, ToolJsonSchema, ToolRule, ToolType } from "../../domain/index.js";

/** A built-in tool: its schema (what the model sees) and its Letta tool type. */
export interface BuiltinToolDefinition {
  name: string;
  toolType: ToolType;
  description: string;
  schema: ToolJsonSchema;
}

const string = (description: string) => ({ type: "string", description });
const integer = (description: string) => ({ type: "integer", description });

function define(
  name: string,
  toolType: ToolType,
  description: string,
  properties: Record<string, unknown>,
  required: string[],
): BuiltinToolDefinition {
  return {
    name,
    toolType,
    description,
    schema: {
      name,
      description,
      parameters: { type: "object", properties, required, additionalProperties: false },
    },
  };
}

/** The `category` values of `web_search`, as Letta (and Exa) name them. */
export const WEB_SEARCH_CATEGORIES = [
  "company",
  "research paper",
  "news",
  "pdf",
  "github",
  "tweet",
  "personal site",
  "linkedin profile",
  "financial report",
] as const;

const label = string("The label of the memory block to edit, for example `human` or `persona`.");

/** Every built-in tool, by name. */
export const BUILTIN_TOOLS: readonly BuiltinToolDefinition[] = [
  define(
    "send_message",
    "letta_core",
    "Send a message to the user. This is how you talk to them; they do not see anything else you produce.",
    { message: string("The message to send. Full markdown is supported.") },
    ["message"],
  ),
  define(
    "conversation_search",
    "letta_core",
    "Search earlier messages of the conversation (recall memory) by meaning and by keyword. Use it to recall what was said before the visible context window.",
    {
      query: string("What to look for. Leave empty to list messages by date only."),
      roles: {
        type: "array",
        items: { type: "string", enum: ["assistant", "user", "tool"] },
        description: "Only return messages with these roles.",
      },
      limit: integer("How many results to return at most (default 5)."),
      start_date: string(
        "Only messages on or after this date (ISO 8601, e.g. 2025-01-31 or 2025-01-31T09:00).",
      ),
      end_date: string(
        "Only messages on or before this date (ISO 8601; a date alone includes the whole day).",
      ),
    },
    [],
  ),
  define(
    "archival_memory_insert",
    "letta_core",
    "Store a fact, note or document in archival memory (long-term storage outside the context window) so you can find it later with archival_memory_search.",
    {
      content: string(
        "The text to store. Make it self-contained: it will be read without the current context.",
      ),
      tags: {
        type: "array",
        items: { type: "string" },
        description: "Optional tags to file the memory under.",
      },
    },
    ["content"],
  ),
  define(
    "archival_memory_search",
    "letta_core",
    "Search archival memory by meaning and by keyword, optionally filtered by tags and dates.",
    {
      query: string("What to look for."),
      tags: {
        type: "array",
        items: { type: "string" },
        description: "Only return memories with these tags.",
      },
      tag_match_mode: {
        type: "string",
        enum: ["any", "all"],
        description: "Whether a memory needs any of the tags (default) or all of them.",
      },
      top_k: integer("How many results to return at most (default 5)."),
      start_datetime: string("Only memories created on or after this time (ISO 8601)."),
      end_datetime: string("Only memories created on or before this time (ISO 8601)."),
    },
    ["query"],
  ),
  define(
    "core_memory_append",
    "letta_memory_core",
    "Append a line to one of your core memory blocks.",
    { label, content: string("The text to append on a new line.") },
    ["label", "content"],
  ),
  define(
    "core_memory_replace",
    "letta_memory_core",
    "Replace text in one of your core memory blocks. Every occurrence of the old text is replaced; an empty new text deletes it.",
    {
      label,
      old_content: string("The exact text to replace."),
      new_content: string("The text to put instead."),
    },
    ["label", "old_content", "new_content"],
  ),
  define(
    "memory_replace",
    "letta_memory_core",
    "Replace one exact, unique piece of text in a memory block. Copy the old text verbatim from the block, without the line numbers shown in the prompt. To delete text, give an empty new_string.",
    {
      label,
      old_string: string("The exact text to replace; it must occur exactly once in the block."),
      new_string: string("The text to put in its place."),
    },
    ["label", "old_string", "new_string"],
  ),
  define(
    "memory_insert",
    "letta_memory_core",
    "Insert text into a memory block after a given line (0 inserts at the top; -1, the default, appends at the end).",
    {
      label,
      new_string: string("The text to insert; it may span several lines. Do not include line numbers."),
      insert_line: integer("The line after which to insert: 0 for the top, -1 for the end (default)."),
    },
    ["label", "new_string"],
  ),
  define(
    "memory_rethink",
    "letta_memory_core",
    "Rewrite a memory block completely, to reorganise it or fold in many changes at once. If no block has the label, a new one is created.",
    {
      label: string("The label of the block to rewrite (or create)."),
      new_memory: string("The complete new content of the block. Do not include line numbers."),
    },
    ["label", "new_memory"],
  ),
  define(
    "memory_finish_edits",
    "letta_memory_core",
    "Call this when you have finished editing memory.",
    {},
    [],
  ),
  define(
    "memory",
    "letta_memory_core",
    "Manage memory blocks as files under /memories/: create a block, replace or insert text in one, delete one, rename one or change its description.",
    {
      command: {
        type: "string",
        enum: ["create", "str_replace", "insert", "delete", "rename"],
        description: "What to do.",
      },
      path: string(
        "The block's path, e.g. /memories/project_notes (create, str_replace, insert, delete, rename).",
      ),
      file_text: string("The initial content of a new block (create)."),
      description: string("What the block is for (create; rename with path alone changes the description)."),
      old_string: string("The exact text to replace (str_replace)."),
      new_string: string("The replacement text (str_replace)."),
      insert_line: integer("The line after which to insert (insert; 0 = top, -1 = end)."),
      insert_text: string("The text to insert (insert)."),
      old_path: string("The current path of the block to rename (rename)."),
      new_path: string("The new path (rename)."),
    },
    ["command"],
  ),
  define(
    "open_files",
    "letta_files_core",
    "Open one or more files of your attached folders (or a window of their lines) so their content shows in the files section of your core memory. At most `max_files_open` files are open at once: opening more closes the least recently used ones.",
    {
      file_requests: {
        type: "array",
        description: "The files to open, each with an optional window of lines.",
        items: {
          type: "object",
          properties: {
            file_name: string("The file's name as shown in <directories>, e.g. `folder/notes.md`."),
            offset: integer("First line to show, 0-based (default: the start of the file)."),
            length: integer("How many lines to show from the offset (default: to the end of the file)."),
          },
          required: ["file_name"],
          additionalProperties: false,
        },
      },
      close_all_others: {
        type: "boolean",
        description: "Close every other open file first (default false).",
      },
    },
    ["file_requests"],
  ),
  define(
    "grep_files",
    "letta_files_core",
    "Search the text of your attached files with a regular expression (case-insensitive). Returns a summary of matches per file and the matching lines with context, 20 matches per page.",
    {
      pattern: string("The regular expression to look for, e.g. `error|warning` or `def \\w+`."),
      include: string("Only search files whose name matches this glob, e.g. `*.md` or `docs/*`."),
      context_lines: integer("Lines of context to show around each match (default 1)."),
      offset: integer("Skip this many matches (to see the next page; default 0)."),
    },
    ["pattern"],
  ),
  define(
    "semantic_search_files",
    "letta_files_core",
    "Search your attached files by meaning (and keywords) and return the most relevant passages.",
    {
      query: string("What to look for, in natural language."),
      limit: integer("How many passages to return at most (default 5, at most 50)."),
    },
    ["query"],
  ),
  define(
    "web_search",
    "letta_builtin",
    "Search the web and get the most relevant pages, each with its title, URL, date, author, highlights and a summary (and its text when asked).",
    {
      query: string("The search query to find relevant web content."),
      num_results: integer("Number of results to return (1-100). Defaults to 10."),
      category: {
        type: "string",
        enum: [...WEB_SEARCH_CATEGORIES],
        description: "Focus the search on one kind of content. Defaults to none.",
      },
      include_text: {
        type: "boolean",
        description:
          "Whether to return each page's full text. Defaults to false (summary and highlights only, since full text usually overflows the context window).",
      },
      include_domains: {
        type: "array",
        items: { type: "string" },
        description: "Only return results from these domains.",
      },
      exclude_domains: {
        type: "array",
        items: { type: "string" },
        description: "Never return results from these domains.",
      },
      start_published_date: string("Only return content published after this date (ISO format)."),
      end_published_date: string("Only return content published before this date (ISO format)."),
      user_location: string('Two-letter country code for localized results (e.g. "US").'),
    },
    ["query"],
  ),
  define(
    "fetch_webpage",
    "letta_builtin",
    "Fetch a webpage and return its readable content as markdown (PDFs as text).",
    { url: string("The URL of the webpage to fetch and convert.") },
    ["url"],
  ),
  define(
    "run_code",
    "letta_builtin",
    "Run code in a sandbox and get its output: the value of the last expression, what it printed, and the error if it failed. Supports Python, JavaScript and TypeScript.",
    {
      code: string("The code to run."),
      language: {
        type: "string",
        enum: ["python", "js", "ts", "r", "java"],
        description: "The language of the code.",
      },
    },
    ["code", "language"],
  ),
  define(
    "send_message_to_agent_and_wait_for_reply",
    "letta_multi_agent_core",
    "Send a message to another agent of your organization and wait for its reply. Your identity is included automatically, so no introduction is needed. Use it for two-way communication.",
    {
      message: string("The content of the message to send to the other agent."),
      other_agent_id: string("The id of the agent to send the message to (agent-...)."),
    },
    ["message", "other_agent_id"],
  ),
  define(
    "send_message_to_agent_async",
    "letta_multi_agent_core",
    "Send a message to another agent of your organization without waiting for a reply (a one-way notification). Your identity is included automatically. Returns a confirmation that the message was sent.",
    {
      message: string("The content of the message to send to the other agent."),
      other_agent_id: string("The id of the agent to send the message to (agent-...)."),
    },
    ["message", "other_agent_id"],
  ),
  define(
    "send_message_to_agents_matching_tags",
    "letta_multi_agent_core",
    "Send a message to every agent of your organization that has *all* of the tags in `match_all` and *at least one* of the tags in `match_some`, and collect their replies (one entry per agent that answered).",
    {
      message: string("The content of the message to send to each matching agent."),
      match_all: {
        type: "array",
        items: { type: "string" },
        description: "Tags an agent must all have to receive the message.",
      },
      match_some: {
        type: "array",
        items: { type: "string" },
        description: "Tags of which an agent must have at least one to receive the message.",
      },
    },
    ["message", "match_all", "match_some"],
  ),
];

const byName = new Map(BUILTIN_TOOLS.map((tool) => [tool.name, tool]));

/** The built-in tool with this name, if any. */
export function builtinTool(name: string): BuiltinToolDefinition | undefined {
  return byName.get(name);
}

/** The tools an agent of this type gets by default, as in Letta. */
export function defaultToolNames(
  agentType: AgentType,
  options: { enableSleeptime?: boolean } = {},
): string[] {
  if (options.enableSleeptime && agentType !== "sleeptime_agent") {
    return ["send_message", "conversation_search", "archival_memory_search"];
  }
  switch (agentType) {
    case "memgpt_agent":
      return ["send_message", "conversation_search", "core_memory_append", "core_memory_replace", "memory"];
    case "memgpt_v2_agent":
      return ["send_message", "conversation_search", "memory_insert", "memory_replace"];
    case "sleeptime_agent":
      return ["memory_replace", "memory_insert", "memory_rethink", "memory_finish_edits"];
    default:
      return ["conversation_search", "memory_insert", "memory_replace"];
  }
}

/** Tools that end the turn by default when base tool rules are on. */
export const TERMINAL_BASE_TOOLS: ReadonlySet<string> = new Set([
  "send_message",
  "send_message_to_agent_async",
  "memory_finish_edits",
]);

/** Whether a new agent gets Letta's base tool rules when the request does not say (off for letta_v1_agent). */
export function includesBaseToolRules(agentType: AgentType, requested: boolean | null | undefined): boolean {
  return requested ?? agentType !== "letta_v1_agent";
}

/**
 * Letta's base tool rules for an agent's tools: the terminal built-ins end the loop, the other
 * built-ins continue it. A tool that already has a loop rule keeps its own.
 */
export function baseToolRules(toolNames: readonly string[], existing: readonly ToolRule[]): ToolRule[] {
  const ruled = new Set(
    existing
      .filter((rule) => rule.type === "exit_loop" || rule.type === "continue_loop")
      .map((rule) => rule.tool_name),
  );
  return [...new Set(toolNames)]
    .filter((name) => byName.has(name) && !ruled.has(name))
    .map((name) => ({
      type: TERMINAL_BASE_TOOLS.has(name) ? "exit_loop" : "continue_loop",
      tool_name: name,
    }));
}
