import { type AgentRecord, type MessageSearchRequest, notFound, ReverieError } from "../../domain/index.js";
import type { Embedder } from "../../llm/providers/embeddings.js";
import type { Store } from "../../store/store.js";
import { parseAgentDate } from "../memory/letta-time.js";
import type { Reranker } from "../search/rerank.js";
import { messageEmbeddingKey } from "./message-embedding.js";
import { type RecallHit, type RecallSearchMode, searchRecall } from "./recall-search.js";

export interface RecallService {
  /** Hybrid (or vector, or text) search over recall memory; best first. */
  search(request: MessageSearchRequest): Promise<{ hits: RecallHit[]; mode: RecallSearchMode }>;
}

const DEFAULT_LIMIT = 50;

/** Recall search for the API: resolves the agent, its timezone and its embedding model. */
export function createRecallService(deps: {
  store: Store;
  embedder?: Embedder | undefined;
  /** An optional cross-encoder stage after fusion. */
  reranker?: Reranker | undefined;
}): RecallService {
  const { store, embedder, reranker } = deps;
  return {
    async search(request) {
      let agent: AgentRecord | undefined;
      if (request.agent_id) {
        agent = await store.agents.get(request.agent_id);
        if (agent === undefined) throw notFound("Agent", request.agent_id);
      }
      const mode = request.search_mode ?? "hybrid";
      const config = agent?.embedding_config ?? null;
      const canEmbed = embedder !== undefined && config !== null;
      if (mode === "vector" && !canEmbed) {
        throw new ReverieError(
          "invalid_argument",
          agent === undefined
            ? "search_mode 'vector' needs an agent_id: messages are embedded with their agent's model"
            : `search_mode 'vector' needs an embedding model, and agent '${agent.id}' has none configured`,
        );
      }
      const timezone = agent?.timezone ?? null;
      return searchRecall(store, {
        agentId: agent?.id,
        query: request.query,
        mode,
        roles: request.roles ?? undefined,
        conversationId: request.conversation_id === "default" ? null : (request.conversation_id ?? undefined),
        startDate: dateBound(request.start_date, timezone, false, "start_date"),
        endDate: dateBound(request.end_date, timezone, true, "end_date"),
        limit: request.limit ?? DEFAULT_LIMIT,
        reranker,
        embeddingModel: config === null ? undefined : messageEmbeddingKey(config),
        embedQuery:
          canEmbed && config !== null
            ? async (text) => (await embedder.embed([text], config))[0] ?? []
            : undefined,
      });
    },
  };
}

function dateBound(
  value: string | null | undefined,
  timezone: string | null,
  endOfDay: boolean,
  field: string,
): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = parseAgentDate(value, timezone, endOfDay);
  if (parsed === undefined) {
    throw new ReverieError(
      "invalid_argument",
      `${field}: invalid date '${value}'; use ISO 8601 like 2025-01-31 or 2025-01-31T09:00:00Z`,
    );
  }
  return parsed;
}
