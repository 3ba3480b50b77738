import type { AgentRecord, Archive, IdGenerator, Message, MessageRole, Result } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { formatLettaTime, parseAgentDate, timeAgo } from "../memory/letta-time.js";

/** Embeds texts with the agent's embedding model; absent when the agent has none (text search only). */
export type EmbedTexts = (texts: string[]) => Promise<number[][]>;

export interface SearchToolContext {
  store: Store;
  agent: AgentRecord;
  /** The running turn: its own messages are already in view, so recall search leaves them out. */
  runId?: string | null | undefined;
  now: Date;
  embed?: EmbedTexts | undefined;
}

const DEFAULT_PAGE_SIZE = 5;
const RRF_K = 60;

function textOf(message: Message): string {
  const text = message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  if (text) return text;
  for (const call of message.tool_calls ?? []) {
    if (call.function.name !== "send_message") continue;
    try {
      const words = (JSON.parse(call.function.arguments) as { message?: unknown }).message;
      if (typeof words === "string") return words;
    } catch {
      // Fall through: a malformed call has no words to show.
    }
  }
  return "";
}

/** Letta leaves tool results and earlier searches out of recall search. */
function searchable(message: Message): boolean {
  if (message.role === "tool" || message.role === "system" || message.role === "approval") return false;
  if (message.tool_calls?.some((call) => call.function.name === "conversation_search")) return false;
  return textOf(message).length > 0;
}

function dateArgument(
  value: unknown,
  context: SearchToolContext,
  endOfDay: boolean,
): Result<string | undefined> {
  if (value === undefined || value === null || value === "") return { ok: true, value: undefined };
  const parsed =
    typeof value === "string" ? parseAgentDate(value, context.agent.timezone, endOfDay) : undefined;
  if (!parsed) {
    return {
      ok: false,
      error: `Error: invalid date '${String(value)}'; use ISO 8601 like 2025-01-31 or 2025-01-31T09:00`,
    };
  }
  return { ok: true, value: parsed };
}

/** `conversation_search`: recall memory by keyword (and, later, meaning), newest first without a query. */
export async function conversationSearch(
  args: Record<string, unknown>,
  context: SearchToolContext,
): Promise<Result<string>> {
  const limit =
    typeof args.limit === "number" && args.limit > 0 ? Math.min(args.limit, 100) : DEFAULT_PAGE_SIZE;
  const roles = (Array.isArray(args.roles) ? args.roles : []) as MessageRole[];
  const start = dateArgument(args.start_date, context, false);
  if (!start.ok) return start;
  const end = dateArgument(args.end_date, context, true);
  if (!end.ok) return end;
  const query = typeof args.query === "string" ? args.query.trim() : "";
  const filter = {
    agent_id: context.agent.id,
    roles: roles.length > 0 ? roles : undefined,
    start_date: start.value,
    end_date: end.value,
  };
  const candidates = query
    ? (await context.store.messages.searchText({ ...filter, query, limit: limit * 4 })).map(
        (hit) => hit.message,
      )
    : await context.store.messages.list({ ...filter, order: "desc", limit: limit * 4 });
  const results = candidates
    .filter((message) => searchable(message) && (!context.runId || message.run_id !== context.runId))
    .slice(0, limit)
    .map((message) => ({
      timestamp: formatLettaTime(new Date(message.created_at), context.agent.timezone),
      time_ago: timeAgo(new Date(message.created_at), context.now),
      role: message.role,
      content: textOf(message),
    }));
  if (results.length === 0)
    return { ok: true, value: JSON.stringify({ message: "No results found.", results: [] }) };
  return { ok: true, value: JSON.stringify({ message: `Showing ${results.length} results:`, results }) };
}

/** The agent's archive that new memories go to, if it has one yet. */
export async function defaultArchive(store: Store, agentId: string): Promise<Archive | undefined> {
  const [first] = await store.archives.listForAgent(agentId);
  return first;
}

/** Creates the agent's own archive on first use (Letta does the same, lazily). */
export async function ensureDefaultArchive(
  store: Store,
  agent: AgentRecord,
  ids: IdGenerator,
  now: string,
): Promise<Archive> {
  const existing = await defaultArchive(store, agent.id);
  if (existing) return existing;
  const archive = await store.archives.create({
    id: ids.next("archive"),
    name: `${agent.name} archival memory`,
    description: null,
    embedding_config: agent.embedding_config,
    vector_db_provider: "native",
    metadata: null,
    created_by_id: agent.id,
    last_updated_by_id: agent.id,
    created_at: now,
    updated_at: now,
  });
  await store.archives.attach(agent.id, archive.id, true);
  return archive;
}

/** `archival_memory_search`: text and (with an embedder) vector search, fused by reciprocal rank. */
export async function archivalMemorySearch(
  args: Record<string, unknown>,
  context: SearchToolContext,
): Promise<Result<string>> {
  const query = typeof args.query === "string" ? args.query.trim() : "";
  if (!query) return { ok: true, value: "[]" };
  const archives = await context.store.archives.listForAgent(context.agent.id);
  if (archives.length === 0) return { ok: true, value: "[]" };
  const limit =
    typeof args.top_k === "number" && args.top_k > 0 ? Math.min(args.top_k, 100) : DEFAULT_PAGE_SIZE;
  const start = dateArgument(args.start_datetime, context, false);
  if (!start.ok) return start;
  const end = dateArgument(args.end_datetime, context, true);
  if (!end.ok) return end;
  const filter = {
    archive_ids: archives.map((archive) => archive.id),
    tags: Array.isArray(args.tags) && args.tags.length > 0 ? (args.tags as string[]) : undefined,
    tag_match_mode: args.tag_match_mode === "all" ? ("all" as const) : ("any" as const),
    start_date: start.value,
    end_date: end.value,
  };
  const pool = limit * 4;
  const textHits = await context.store.passages.searchText(filter, query, pool);
  const [vector] = context.embed ? await context.embed([query]) : [];
  const vectorHits = vector ? await context.store.passages.searchVector(filter, vector, pool) : [];

  const fused = new Map<string, { passage: (typeof textHits)[number]["passage"]; score: number }>();
  const add = (passage: (typeof textHits)[number]["passage"], rank: number) => {
    const entry = fused.get(passage.id) ?? { passage, score: 0 };
    entry.score += 1 / (RRF_K + rank);
    fused.set(passage.id, entry);
  };
  for (const [index, hit] of textHits.entries()) add(hit.passage, index + 1);
  for (const [index, hit] of vectorHits.entries()) add(hit.passage, index + 1);
  const results = [...fused.values()]
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map(({ passage }) => ({
      id: passage.id,
      timestamp: formatLettaTime(new Date(passage.created_at), context.agent.timezone),
      content: passage.text,
      tags: passage.tags,
    }));
  return { ok: true, value: JSON.stringify(results) };
}
