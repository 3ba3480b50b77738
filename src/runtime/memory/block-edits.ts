import type { Result } from "../../domain/index.js";

/** What the memory tools need of a block: its label, value and whether it may be edited. */
export interface EditableBlock {
  label: string;
  value: string;
  read_only: boolean;
}

/** Letta's message for an edit of a read-only block (the model sees it verbatim). */
export const READ_ONLY_BLOCK_EDIT_ERROR = "Error This block is read-only and cannot be edited.";

const LINE_NUMBER_PREFIX = /^\s*\d+→\s*/m;
const LINE_NUMBER_WARNING = "# NOTE: Line numbers shown below";

function lineNumberError(argument: string): string {
  return (
    `${argument} contains a line number prefix, which is not allowed. Do not include line numbers when ` +
    "calling memory tools (line numbers are for display purposes only)."
  );
}

/** Refuses text that carries the `12→ ` prefixes or the warning banner of the rendered memory. */
export function checkNoLineNumbers(argument: string, text: string): Result<void> {
  if (LINE_NUMBER_PREFIX.test(text) || text.includes(LINE_NUMBER_WARNING)) {
    return { ok: false, error: lineNumberError(argument) };
  }
  return { ok: true, value: undefined };
}

/** Python's `str.expandtabs()` (tab stops every 8 columns), which Letta applies before matching. */
export function expandTabs(text: string, tabSize = 8): string {
  if (!text.includes("\t")) return text;
  let out = "";
  let column = 0;
  for (const char of text) {
    if (char === "\t") {
      const spaces = tabSize - (column % tabSize);
      out += " ".repeat(spaces);
      column += spaces;
    } else {
      out += char;
      column = char === "\n" || char === "\r" ? 0 : column + 1;
    }
  }
  return out;
}

function countOccurrences(haystack: string, needle: string): number {
  if (needle === "") return haystack.length + 1;
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length))
    count++;
  return count;
}

function writable(block: EditableBlock): Result<void> {
  return block.read_only ? { ok: false, error: READ_ONLY_BLOCK_EDIT_ERROR } : { ok: true, value: undefined };
}

/** `memory_replace`: replaces the one occurrence of `oldString`; returns the whole new value. */
export function memoryReplace(block: EditableBlock, oldString: string, newString: string): Result<string> {
  const guard = writable(block);
  if (!guard.ok) return guard;
  for (const [name, text] of [
    ["old_string", oldString],
    ["new_string", newString],
  ] as const) {
    const check = checkNoLineNumbers(name, text);
    if (!check.ok) return check;
  }
  const current = expandTabs(block.value);
  const oldText = expandTabs(oldString);
  const newText = expandTabs(newString);
  const occurrences = countOccurrences(current, oldText);
  if (occurrences === 0) {
    return {
      ok: false,
      error: `No replacement was performed, old_string \`${oldString}\` did not appear verbatim in memory block with label \`${block.label}\`.`,
    };
  }
  if (occurrences > 1) {
    const lines = current
      .split("\n")
      .flatMap((line, index) => (line.includes(oldText) ? [index + 1] : []))
      .join(", ");
    return {
      ok: false,
      error: `No replacement was performed. Multiple occurrences of old_string \`${oldString}\` in lines [${lines}]. Please ensure it is unique.`,
    };
  }
  return { ok: true, value: current.replace(oldText, () => newText) };
}

/** `memory_insert`: inserts `newString` after line `insertLine` (0 = top, -1 = end); returns the new value. */
export function memoryInsert(block: EditableBlock, newString: string, insertLine = -1): Result<string> {
  const guard = writable(block);
  if (!guard.ok) return guard;
  const check = checkNoLineNumbers("new_string", newString);
  if (!check.ok) return check;
  const current = expandTabs(block.value);
  const inserted = expandTabs(newString).split("\n");
  // An empty block has no lines: inserting into it gives just the new text (no stray blank line).
  const lines = current === "" ? [] : current.split("\n");
  const at = insertLine === -1 ? lines.length : insertLine;
  if (!Number.isInteger(insertLine) || at < 0 || at > lines.length) {
    return {
      ok: false,
      error: `Invalid \`insert_line\` parameter: ${insertLine}. It should be within the range of lines of the memory block: [0, ${lines.length}], or -1 to append to the end of the memory block.`,
    };
  }
  return { ok: true, value: [...lines.slice(0, at), ...inserted, ...lines.slice(at)].join("\n") };
}

/** `memory_rethink`: replaces the whole value. */
export function memoryRethink(block: EditableBlock, newMemory: string): Result<string> {
  const guard = writable(block);
  if (!guard.ok) return guard;
  const check = checkNoLineNumbers("new_memory", newMemory);
  if (!check.ok) return check;
  return { ok: true, value: newMemory };
}

/** `core_memory_append` (legacy agents): appends a new line of content. */
export function coreMemoryAppend(block: EditableBlock, content: string): Result<string> {
  const guard = writable(block);
  if (!guard.ok) return guard;
  return { ok: true, value: `${block.value}\n${content}` };
}

/** `core_memory_replace` (legacy agents): replaces every occurrence of `oldContent`. */
export function coreMemoryReplace(
  block: EditableBlock,
  oldContent: string,
  newContent: string,
): Result<string> {
  const guard = writable(block);
  if (!guard.ok) return guard;
  if (oldContent === "" || !block.value.includes(oldContent)) {
    return { ok: false, error: `Old content '${oldContent}' not found in memory block '${block.label}'` };
  }
  return { ok: true, value: block.value.split(oldContent).join(newContent) };
}

/** The error the model sees for a label the agent does not have. */
export function unknownLabelError(label: string, available: readonly string[]): string {
  return `'Block field ${label} does not exist (available sections = ${available.join(", ")})'`;
}
