import { DEFAULT_RETURN_CHAR_LIMIT, type Tool } from "../../domain/index.js";

/** Search results are not truncated (Letta exempts them: they are already bounded by their limit). */
const UNTRUNCATED = new Set(["conversation_search", "archival_memory_search"]);

/**
 * A tool's result cut to its `return_char_limit` (Letta's default when unset) with Letta's note, as the
 * model sees it in a turn and as the run endpoints answer it.
 */
export function limitToolReturn(
  tool: Pick<Tool, "name" | "return_char_limit"> | undefined,
  text: string,
): string {
  if (!tool || UNTRUNCATED.has(tool.name)) return text;
  const limit = tool.return_char_limit || DEFAULT_RETURN_CHAR_LIMIT;
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}... [NOTE: function output was truncated since it exceeded the character limit: ${text.length} > ${limit}]`;
}
