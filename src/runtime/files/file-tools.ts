import type { AgentRecord, FileAgent, Passage, Result } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { fuseScored } from "../search/fusion.js";
import type { EmbedTexts } from "../tools/search-tools.js";
import { closedView, fileLimits, openFileView } from "./file-views.js";

/** The tools a folder attachment gives an agent (and the last detachment takes away). */
export const FILE_TOOL_NAMES: readonly string[] = ["open_files", "grep_files", "semantic_search_files"];

/** Letta's limits of grep_files. */
export const GREP_LIMITS = {
  matchesPerPage: 20,
  maxMatches: 1000,
  maxFileBytes: 50 * 1024 * 1024,
  maxPatternLength: 1000,
} as const;

const SEMANTIC_DEFAULT_LIMIT = 5;
const SEMANTIC_MAX_LIMIT = 50;

interface FileRequest {
  file_name: string;
  offset?: number | undefined;
  length?: number | undefined;
}

function attachedList(views: readonly FileAgent[]): string {
  return views.length === 0 ? "(none)" : views.map((view) => view.file_name).join(", ");
}

function optionalInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

/**
 * `open_files`: opens files (or a window of lines of each) in the agent's context, closing the least
 * recently used ones past `max_files_open`. Runs inside the step's transaction (`tx`).
 */
export async function openFiles(
  args: Record<string, unknown>,
  context: { tx: Store; agent: AgentRecord; now: string },
): Promise<Result<string>> {
  const { tx, agent, now } = context;
  const requests: FileRequest[] = (Array.isArray(args.file_requests) ? args.file_requests : []).flatMap(
    (request: unknown) =>
      request && typeof request === "object" && typeof (request as FileRequest).file_name === "string"
        ? [
            {
              file_name: (request as FileRequest).file_name,
              offset: optionalInt((request as FileRequest).offset),
              length: optionalInt((request as FileRequest).length),
            },
          ]
        : [],
  );
  if (requests.length === 0) return { ok: false, error: "Error: file_requests must name at least one file" };
  const { maxFilesOpen } = fileLimits(agent);
  const unique = [...new Set(requests.map((request) => request.file_name))];
  if (unique.length > maxFilesOpen) {
    return {
      ok: false,
      error: `Cannot open ${unique.length} files: exceeds configured maximum limit of ${maxFilesOpen} files`,
    };
  }
  const views = await tx.files.listAgentFiles(agent.id);
  const byName = new Map(views.map((view) => [view.file_name, view]));
  for (const request of requests) {
    if (!byName.has(request.file_name)) {
      return {
        ok: false,
        error: `\`${request.file_name}\` not attached - did you get the filename correct? Currently you have the following files attached: ${attachedList(views)}`,
      };
    }
    if ((request.offset ?? 0) < 0 || (request.length !== undefined && request.length < 1)) {
      return {
        ok: false,
        error: `Error: invalid range for ${request.file_name}: offset must be >= 0 and length >= 1`,
      };
    }
  }

  const closed = new Set<string>();
  if (args.close_all_others === true) {
    for (const view of views) {
      if (view.is_open && !unique.includes(view.file_name)) {
        await tx.files.putAgentFile(closedView(view, now));
        closed.add(view.file_name);
      }
    }
  }
  const summaries: string[] = [];
  const windows: string[] = [];
  for (const request of requests) {
    const view = byName.get(request.file_name) as FileAgent;
    const [file, source, text] = await Promise.all([
      tx.files.get(view.file_id),
      tx.sources.get(view.source_id),
      tx.files.text(view.file_id),
    ]);
    if (!file || !source || typeof text !== "string") {
      summaries.push(
        `* ${request.file_name} is not readable yet (status: ${file?.processing_status ?? "deleted"})`,
      );
      continue;
    }
    const ranged = request.offset !== undefined || request.length !== undefined;
    const opened = await openFileView(tx, {
      agent,
      source,
      file,
      text,
      range: { offset: request.offset, length: request.length },
      now,
    });
    for (const name of opened.closed) closed.add(name);
    closed.delete(request.file_name);
    let summary = `* Opened ${request.file_name}`;
    if (ranged) summary += ` (lines ${opened.window.start_line}-${opened.window.end_line})`;
    const before = opened.previous;
    if (before?.is_open && before.start_line !== null && before.end_line !== null && ranged) {
      summary += ` (previously lines ${before.start_line}-${before.end_line})`;
    }
    summaries.push(summary);
    windows.push(`<file name="${request.file_name}">\n${opened.window.visible_content}\n</file>`);
  }
  let message = `Processed ${requests.length} file request(s):\n${summaries.join("\n")}`;
  if (closed.size > 0) {
    message += `\nNote: Closed ${closed.size} least recently used file(s) due to open file limit: ${[...closed].join(", ")}`;
  }
  // The turn keeps the prompt it started with; the opened windows are returned so they can be read now.
  if (windows.length > 0) message += `\n\n${windows.join("\n")}`;
  return { ok: true, value: message };
}

/** Matches a file name against a glob (`*.md`, `docs/*`, `notes?.txt`), case-insensitively. */
function globMatcher(glob: string): (name: string) => boolean {
  const source = glob
    .split("")
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, "i");
  // A bare pattern (no folder part) also matches the name without its folder.
  return (name) => regex.test(name) || regex.test(name.slice(name.indexOf("/") + 1));
}

interface GrepMatch {
  file: string;
  line: number;
  context: string[];
}

/** `grep_files`: case-insensitive regex search over the attached files' text, 20 matches a page. */
export async function grepFiles(
  args: Record<string, unknown>,
  context: { store: Store; agent: AgentRecord },
): Promise<Result<string>> {
  const pattern = typeof args.pattern === "string" ? args.pattern : "";
  if (!pattern) return { ok: false, error: "Error: pattern must not be empty" };
  if (pattern.length > GREP_LIMITS.maxPatternLength) {
    return {
      ok: false,
      error: `Error: pattern is too long (${pattern.length} characters; the limit is ${GREP_LIMITS.maxPatternLength})`,
    };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, "i");
  } catch (error) {
    return { ok: false, error: `Invalid regex pattern '${pattern}': ${(error as Error).message}` };
  }
  const include = typeof args.include === "string" && args.include.trim() ? args.include.trim() : undefined;
  const contextLines = Math.min(Math.max(0, optionalInt(args.context_lines) ?? 1), 20);
  const offset = Math.max(0, optionalInt(args.offset) ?? 0);

  let views = await context.store.files.listAgentFiles(context.agent.id);
  if (views.length === 0) return { ok: true, value: "No files are attached to search." };
  if (include) {
    const matches = globMatcher(include);
    views = views.filter((view) => matches(view.file_name));
    if (views.length === 0) return { ok: true, value: `No files found matching pattern '${include}'` };
  }
  views.sort((a, b) => (a.file_name < b.file_name ? -1 : a.file_name > b.file_name ? 1 : 0));

  const matches: GrepMatch[] = [];
  const perFile = new Map<string, number>();
  let truncated = false;
  for (const view of views) {
    if (matches.length >= GREP_LIMITS.maxMatches) {
      truncated = true;
      break;
    }
    const text = await context.store.files.text(view.file_id);
    if (typeof text !== "string" || text.length > GREP_LIMITS.maxFileBytes) continue;
    const lines = text.split("\n");
    for (let index = 0; index < lines.length; index++) {
      if (!regex.test(lines[index] as string)) continue;
      if (matches.length >= GREP_LIMITS.maxMatches) {
        truncated = true;
        break;
      }
      const from = Math.max(0, index - contextLines);
      const to = Math.min(lines.length, index + contextLines + 1);
      const shown: string[] = [];
      for (let at = from; at < to; at++) shown.push(`${at === index ? ">" : " "} ${at + 1}: ${lines[at]}`);
      matches.push({ file: view.file_name, line: index + 1, context: shown });
      perFile.set(view.file_name, (perFile.get(view.file_name) ?? 0) + 1);
    }
  }
  if (matches.length === 0) return { ok: true, value: `No matches found for pattern: '${pattern}'` };
  if (offset >= matches.length) {
    return {
      ok: true,
      value: `Offset ${offset} is past the last match: found ${matches.length} total matches for pattern '${pattern}'.`,
    };
  }
  const page = matches.slice(offset, offset + GREP_LIMITS.matchesPerPage);
  const end = offset + page.length;
  const out = [
    `Found ${matches.length}${truncated ? "+" : ""} total matches across ${perFile.size} files (showing matches ${offset + 1}-${end} of ${matches.length})`,
    "",
    "Summary:",
    ...[...perFile].map(([file, count]) => `- ${file}: ${count} matches`),
  ];
  for (const match of page) out.push("", `=== ${match.file}:${match.line} ===`, ...match.context);
  if (end < matches.length) out.push("", `There are more matches. Use offset=${end} to see the next page.`);
  if (truncated)
    out.push("", `Stopped after ${GREP_LIMITS.maxMatches} matches; use a more specific pattern.`);
  return { ok: true, value: out.join("\n") };
}

/**
 * `semantic_search_files`: the attached folders' chunks most related to the query, by meaning (when
 * the agent embeds with the folder's model) and by keyword, fused by reciprocal rank.
 */
export async function semanticSearchFiles(
  args: Record<string, unknown>,
  context: { store: Store; agent: AgentRecord; embed?: EmbedTexts | undefined },
): Promise<Result<string>> {
  const query = typeof args.query === "string" ? args.query.trim() : "";
  if (!query) return { ok: false, error: "Error: query must not be empty" };
  const requested = optionalInt(args.limit) ?? SEMANTIC_DEFAULT_LIMIT;
  const limit = Math.min(Math.max(1, requested), SEMANTIC_MAX_LIMIT);
  const { store, agent } = context;
  const sources = await store.sources.listForAgent(agent.id);
  if (sources.length === 0) return { ok: true, value: "No folders are attached to search." };
  const filter = { archive_ids: [], source_ids: sources.map((source) => source.id) };
  const pool = limit * 4;

  // Only vectors of the same model compare: the query is embedded with the agent's model, so folders
  // embedded with another model are searched by keyword alone.
  const sameModel = sources.some(
    (source) =>
      source.embedding_config !== null &&
      agent.embedding_config !== null &&
      source.embedding_config.embedding_model === agent.embedding_config.embedding_model &&
      source.embedding_config.embedding_dim === agent.embedding_config.embedding_dim,
  );
  const [vector] = sameModel && context.embed ? await context.embed([query]) : [];
  const [vectorHits, textHits] = await Promise.all([
    vector ? store.passages.searchVector(filter, vector, pool) : Promise.resolve([]),
    store.passages.searchText(filter, query, pool),
  ]);
  const fused = fuseScored(
    (passage: Passage) => passage.id,
    vectorHits.map((hit) => ({ item: hit.passage, score: 1 - hit.distance })),
    textHits.map((hit) => ({ item: hit.passage, score: hit.rank })),
    {},
    pool,
  ).slice(0, limit);
  if (fused.length === 0) {
    return { ok: true, value: `No semantic matches found in attached files for query: '${query}'` };
  }
  const names = new Map<string, string>();
  for (const view of await store.files.listAgentFiles(agent.id)) names.set(view.file_id, view.file_name);
  const byFile = new Map<string, string[]>();
  for (const hit of fused) {
    const passage = hit.item;
    const name = names.get(passage.file_id ?? "") ?? passage.file_name ?? "unknown file";
    const list = byFile.get(name) ?? [];
    list.push(passage.text);
    byFile.set(name, list);
  }
  const out = [`Found ${fused.length} semantic matches in ${byFile.size} files for query: '${query}'`];
  for (const [name, texts] of byFile) {
    out.push("", `=== ${name} ===`);
    texts.forEach((text, index) => {
      out.push(`[${index + 1}] ${text}`);
    });
  }
  return { ok: true, value: out.join("\n") };
}
