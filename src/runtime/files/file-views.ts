import type { AgentRecord, FileAgent, FileMetadata, Source } from "../../domain/index.js";
import type { Store } from "../../store/store.js";

/** How many files an agent keeps open and how many characters of each it sees. */
export interface FileLimits {
  maxFilesOpen: number;
  charLimit: number;
}

/**
 * The agent's file limits: its own settings, else Letta's defaults for its context window (small
 * windows get fewer, shorter open files).
 */
export function fileLimits(agent: AgentRecord): FileLimits {
  const window = agent.context_window_limit ?? agent.llm_config.context_window ?? 128_000;
  const [files, chars] =
    window <= 8_000
      ? [3, 5_000]
      : window <= 32_000
        ? [5, 15_000]
        : window <= 128_000
          ? [10, 25_000]
          : window <= 200_000
            ? [10, 40_000]
            : [15, 40_000];
  return {
    maxFilesOpen: agent.max_files_open ?? files,
    charLimit: agent.per_file_view_window_char_limit ?? chars,
  };
}

/** The name an agent's file tools use for a file: `folder/file`. */
export function agentFileName(source: Pick<Source, "name">, file: Pick<FileMetadata, "file_name">): string {
  return `${source.name}/${file.file_name ?? ""}`;
}

/** A window of a file's lines, numbered from 1 (`N: text`), cut to whole lines within `charLimit`. */
export interface FileWindow {
  visible_content: string;
  start_line: number;
  end_line: number;
  total_lines: number;
}

/**
 * The lines from `offset` (0-based) for `length` lines (default: to the end), numbered, within
 * `charLimit` characters (at least the first line, cut if it alone is longer).
 */
export function fileWindow(
  text: string,
  range: { offset?: number | undefined; length?: number | undefined },
  charLimit: number,
): FileWindow {
  const lines = text.split("\n");
  const total = lines.length;
  const start = Math.min(Math.max(0, range.offset ?? 0), Math.max(0, total - 1));
  const stop = range.length === undefined ? total : Math.min(total, start + Math.max(1, range.length));
  const shown: string[] = [];
  let used = 0;
  for (let index = start; index < stop; index++) {
    const line = `${index + 1}: ${lines[index]}`;
    const cost = line.length + (shown.length > 0 ? 1 : 0);
    if (used + cost > charLimit) {
      if (shown.length === 0) shown.push(line.slice(0, Math.max(0, charLimit)));
      break;
    }
    shown.push(line);
    used += cost;
  }
  return {
    visible_content: shown.join("\n"),
    start_line: start + 1,
    end_line: start + shown.length,
    total_lines: total,
  };
}

/**
 * Opens a file for an agent at the given window, closing the least recently used open files beyond
 * the agent's limit (Letta's LRU). Returns the stored view and the names of the files it closed.
 */
export async function openFileView(
  store: Store,
  input: {
    agent: AgentRecord;
    source: Source;
    file: FileMetadata;
    text: string;
    range?: { offset?: number | undefined; length?: number | undefined };
    now: string;
  },
): Promise<{ view: FileAgent; window: FileWindow; previous: FileAgent | undefined; closed: string[] }> {
  const { agent, file, now } = input;
  const limits = fileLimits(agent);
  const window = fileWindow(input.text, input.range ?? {}, limits.charLimit);
  const previous = await store.files.getAgentFile(agent.id, file.id);
  const others = (await store.files.listAgentFiles(agent.id, { is_open: true })).filter(
    (view) => view.file_id !== file.id,
  );
  const closed: string[] = [];
  // listAgentFiles is most recent first: the tail is the least recently used.
  for (const stale of others.slice(Math.max(0, limits.maxFilesOpen - 1))) {
    await store.files.putAgentFile(closedView(stale, now));
    closed.push(stale.file_name);
  }
  const view = await store.files.putAgentFile({
    agent_id: agent.id,
    file_id: file.id,
    source_id: file.source_id,
    file_name: agentFileName(input.source, file),
    is_open: true,
    visible_content: window.visible_content,
    start_line: window.start_line,
    end_line: window.end_line,
    last_accessed_at: now,
    created_at: previous?.created_at ?? now,
    updated_at: now,
  });
  return { view, window, previous, closed };
}

/** The view with the file closed (nothing of it in the prompt). */
export function closedView(view: FileAgent, now: string): FileAgent {
  return {
    ...view,
    is_open: false,
    visible_content: null,
    start_line: null,
    end_line: null,
    updated_at: now,
  };
}
