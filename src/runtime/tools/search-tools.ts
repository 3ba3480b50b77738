import type { AgentRecord, Archive, IdGenerator, Message, MessageRole, Result } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { formatLettaTime, parseAgentDate, timeAgo } from "../memory/letta-time.js";
import { messageEmbeddingKey } from "../recall/message-embedding.js";
import { searchRecall } from "../recall/recall-search.js";
import { isRecallable, RECALL_ROLES, recallText } from "../recall/recall-text.js";
import { searchPassages } from "../search/passage-search.js";

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

/**
 * `conversation_search`: recall memory by keyword and by meaning (hybrid search, see searchRecall), or
 * the newest messages without a query.
 */
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
  const embed = context.embed;
  const found: Array<{
    message: Message;
    relevance?: Record<string, unknown>;
    context?: { previous: Message | null; next: Message | null } | undefined;
  }> = [];
  let textOnly: string | undefined;
  if (query) {
    const result = await searchRecall(context.store, {
      agentId: context.agent.id,
      query,
      roles: roles.length > 0 ? roles : undefined,
      startDate: start.value,
      endDate: end.value,
      limit,
      withContext: true,
      excludeRunId: context.runId,
      embedQuery: embed && (async (text) => (await embed([text]))[0] ?? []),
      embeddingModel: context.agent.embedding_config
        ? messageEmbeddingKey(context.agent.embedding_config)
        : undefined,
    });
    // Without an embedding model (or when the query could not be embedded) the words alone decide.
    if (result.mode === "fts") {
      textOnly = embed
        ? "the query could not be embedded: results are matched by their words only"
        : "no embedding model is configured for this agent: results are matched by their words only";
    }
    for (const hit of result.hits) {
      found.push({
        message: hit.message,
        context: hit.context,
        relevance: {
          rrf_score: hit.score,
          vector_rank: hit.vectorRank,
          fts_rank: hit.textRank,
          search_mode: result.mode,
        },
      });
    }
  } else {
    const newest = await context.store.messages.list({
      agent_id: context.agent.id,
      roles: roles.length > 0 ? roles : [...RECALL_ROLES],
      start_date: start.value,
      end_date: end.value,
      order: "desc",
      limit: limit * 4,
    });
    for (const message of newest) {
      if (isRecallable(message) && (!context.runId || message.run_id !== context.runId)) {
        found.push({ message });
      }
    }
  }
  const turn = (message: Message) => ({
    timestamp: formatLettaTime(new Date(message.created_at), context.agent.timezone),
    role: message.role,
    content: clip(recallText(message), CONTEXT_CHARS),
  });
  const results = found.slice(0, limit).map(({ message, relevance, context: around }) => ({
    timestamp: formatLettaTime(new Date(message.created_at), context.agent.timezone),
    time_ago: timeAgo(new Date(message.created_at), context.now),
    role: message.role,
    ...(relevance === undefined ? {} : { relevance }),
    content: recallText(message),
    // The turns around a hit often hold what it answers or what answers it.
    ...(around?.previous ? { previous_turn: turn(around.previous) } : {}),
    ...(around?.next ? { next_turn: turn(around.next) } : {}),
  }));
  const mode = textOnly ? { search_mode: "text", search_note: textOnly } : {};
  if (results.length === 0)
    return { ok: true, value: JSON.stringify({ message: "No results found.", ...mode, results: [] }) };
  return {
    ok: true,
    value: JSON.stringify({ message: `Showing ${results.length} results:`, ...mode, results }),
  };
}

/** Longest neighbouring turn shown beside a recall hit, in characters. */
const CONTEXT_CHARS = 400;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
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

/** `archival_memory_search`: hybrid search (vector with an embedder, and full text) of the agent's archives. */
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
  const tags = Array.isArray(args.tags)
    ? args.tags.filter((tag): tag is string => typeof tag === "string")
    : [];
  const found = await searchPassages(
    { store: context.store, embed: context.embed },
    {
      archive_ids: archives.map((archive) => archive.id),
      tags: tags.length > 0 ? tags : undefined,
      tag_match_mode: args.tag_match_mode === "all" ? "all" : "any",
      start_date: start.value,
      end_date: end.value,
      query,
      limit,
    },
  );
  const results = found.hits.map(({ passage }) => ({
    id: passage.id,
    timestamp: formatLettaTime(new Date(passage.created_at), context.agent.timezone),
    content: passage.text,
    tags: passage.tags,
  }));
  return { ok: true, value: JSON.stringify(results) };
}
