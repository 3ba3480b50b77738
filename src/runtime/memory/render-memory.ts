/** A block as the prompt shows it. */
export interface RenderedBlock {
  label: string;
  value: string;
  limit: number;
  description: string | null;
  read_only: boolean;
}

/** The facts `<memory_metadata>` reports. */
export interface MemoryMetadata {
  agentId: string;
  conversationId: string | null;
  /** Already formatted (see `formatLettaTime`). */
  lastRecompiled: string;
  /** Messages in recall memory that are not in the context window. */
  previousMessageCount: number;
  archivalMemoryCount: number;
  archivalTags: readonly string[];
}

export interface MemoryRenderOptions {
  blocks: readonly RenderedBlock[];
  /** Prefix value lines with `1→ ` (Letta does for v1, v2 and sleep-time agents, and Anthropic models). */
  lineNumbers: boolean;
  /** Sentences describing the tool rules, one per rule; the section is left out when empty. */
  toolRules?: readonly string[];
  /** A pre-rendered `<directories>` section (files attached to the agent), if any. */
  directories?: string | undefined;
  metadata: MemoryMetadata;
}

/** The placeholder in a system prompt template where the compiled memory goes. */
export const CORE_MEMORY_PLACEHOLDER = "{CORE_MEMORY}";

const LINE_NUMBER_WARNING =
  "<warning>\n# NOTE: Line numbers shown below (with arrows like '1→') are to help during editing. Do NOT include line number prefixes in your memory edit tool calls.\n</warning>";

function renderBlock(block: RenderedBlock, lineNumbers: boolean): string {
  const lines = [`<${block.label}>`];
  if (block.description) lines.push("<description>", block.description, "</description>");
  lines.push("<metadata>");
  if (block.read_only) lines.push("- read_only=true");
  lines.push(`- chars_current=${block.value.length}`, `- chars_limit=${block.limit}`, "</metadata>");
  if (lineNumbers) lines.push(LINE_NUMBER_WARNING);
  const value = lineNumbers
    ? block.value
        .split("\n")
        .map((line, index) => `${index + 1}→ ${line}`)
        .join("\n")
    : block.value;
  lines.push("<value>", value, "</value>", `</${block.label}>`);
  return lines.join("\n");
}

function renderMetadata(metadata: MemoryMetadata): string {
  const lines = [
    "<memory_metadata>",
    `- AGENT_ID: ${metadata.agentId}`,
    `- CONVERSATION_ID: ${metadata.conversationId ?? "default"}`,
    `- System prompt last recompiled: ${metadata.lastRecompiled}`,
    `- ${metadata.previousMessageCount} previous messages between you and the user are stored in recall memory`,
  ];
  if (metadata.archivalMemoryCount > 0) {
    lines.push(
      `- ${metadata.archivalMemoryCount} total memories you created are stored in archival memory (use tools to access them)`,
    );
  }
  if (metadata.archivalTags.length > 0) {
    lines.push(`- Available archival memory tags: ${metadata.archivalTags.join(", ")}`);
  }
  lines.push("</memory_metadata>");
  return lines.join("\n");
}

/** Compiles core memory into the text Letta puts in the system prompt (blocks, rules, files, metadata). */
export function renderMemory(options: MemoryRenderOptions): string {
  const sections = [
    [
      "<memory_blocks>",
      "The following memory blocks are currently engaged in your core memory unit:",
      "",
      options.blocks.map((block) => renderBlock(block, options.lineNumbers)).join("\n\n"),
      "</memory_blocks>",
    ].join("\n"),
  ];
  if (options.toolRules && options.toolRules.length > 0) {
    sections.push(
      [
        "<tool_usage_rules>",
        "The following constraints define rules for tool usage and guide desired behavior. These rules must be followed to ensure proper tool execution and workflow. A single response may contain multiple tool calls.",
        "",
        options.toolRules.map((rule) => `<tool_rule>\n${rule}\n</tool_rule>`).join("\n"),
        "</tool_usage_rules>",
      ].join("\n"),
    );
  }
  if (options.directories) sections.push(options.directories);
  sections.push(renderMetadata(options.metadata));
  return sections.join("\n\n");
}

/** Puts compiled memory into a system prompt template: at `{CORE_MEMORY}`, or appended after a blank line. */
export function fillSystemPrompt(template: string, memory: string): string {
  if (template.includes(CORE_MEMORY_PLACEHOLDER))
    return template.replace(CORE_MEMORY_PLACEHOLDER, () => memory);
  return template.length > 0 ? `${template}\n\n${memory}` : memory;
}
