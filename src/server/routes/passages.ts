import { z } from "zod";
import { PassageSchema } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { queryArray, queryBoolean, queryInt } from "../query.js";
import { type AnyRoute, defineRoute } from "../route.js";

const TagMatchModeSchema = z.enum(["any", "all"]).default("any");
const SearchModeSchema = z
  .enum(["hybrid", "text"])
  .describe("`text` when no embedding model is configured: the search used full text only");

/** Letta's `ArchivalMemorySearchResponse`, plus each result's relevance and the search mode. */
const ArchivalSearchResponseSchema = z.object({
  count: z.number().int(),
  results: z.array(
    z.object({
      id: z.string(),
      timestamp: z.string(),
      content: z.string(),
      tags: z.array(z.string()),
      score: z.number().describe("Reciprocal rank fusion score"),
      vector_rank: z.number().int().nullable().describe("Rank in the vector search (1 = nearest)"),
      text_rank: z.number().int().nullable().describe("Rank in the full-text search"),
    }),
  ),
  search_mode: SearchModeSchema,
  search_note: z.string().nullable().describe("Why the search was text-only, when it was"),
});

/** Letta's `PassageSearchResult` (the passage without its vector); `metadata` carries the ranks and mode. */
const PassageSearchResultSchema = z.object({
  passage: PassageSchema,
  score: z.number(),
  metadata: z.object({
    search_mode: SearchModeSchema,
    search_note: z.string().nullable(),
    vector_rank: z.number().int().nullable(),
    text_rank: z.number().int().nullable(),
    distance: z.number().nullable().describe("Cosine distance to the query, when the vector search found it"),
  }),
});

const PassageSearchRequestSchema = z.object({
  query: z.string().nullable().optional(),
  agent_id: z.string().nullable().optional(),
  archive_id: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  tag_match_mode: TagMatchModeSchema,
  limit: z.number().int().min(1).max(100).default(50),
  start_date: z.string().nullable().optional(),
  end_date: z.string().nullable().optional(),
});

/** Agent archival memory (`/v1/agents/{id}/archival-memory`) and `POST /v1/passages/search`. */
export function passageRoutes(services: Services): AnyRoute[] {
  const { archives } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/archival-memory",
      operationId: "list_passages",
      summary: "List the passages of an agent's archives",
      tag: "agents",
      query: z.object({
        after: z.string().optional(),
        before: z.string().optional(),
        limit: queryInt().min(1).default(100),
        search: z.string().optional().describe("Case-insensitive substring of the text"),
        ascending: queryBoolean().default(true).describe("Oldest first (default) or newest first"),
      }),
      response: z.array(PassageSchema),
      handle: ({ params, query }) => archives.listAgentPassages(params.agent_id, query),
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/archival-memory",
      operationId: "create_passage",
      summary: "Insert into an agent's archival memory (long text becomes several passages, all returned)",
      tag: "agents",
      body: z.object({
        text: z.string().min(1),
        tags: z.array(z.string()).nullable().optional(),
        created_at: z.string().nullable().optional(),
      }),
      response: z.array(PassageSchema),
      handle: ({ params, body }) => archives.insertAgentPassage(params.agent_id, body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/archival-memory/search",
      operationId: "search_archival_memory",
      summary: "Hybrid (vector + full text) search of an agent's archival memory",
      tag: "agents",
      query: z.object({
        query: z.string(),
        tags: queryArray().optional(),
        tag_match_mode: TagMatchModeSchema,
        top_k: queryInt().min(1).max(100).optional(),
        start_datetime: z.string().optional(),
        end_datetime: z.string().optional(),
      }),
      response: ArchivalSearchResponseSchema,
      handle: ({ params, query }) =>
        archives.searchAgentMemory(params.agent_id, {
          query: query.query,
          tags: query.tags,
          tag_match_mode: query.tag_match_mode,
          start_date: query.start_datetime,
          end_date: query.end_datetime,
          limit: query.top_k ?? 10,
        }),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/agents/{agent_id}/archival-memory/{memory_id}",
      operationId: "delete_passage",
      summary: "Delete a passage of an agent's archival memory",
      tag: "agents",
      response: z.null(),
      handle: async ({ params }) => {
        await archives.deleteAgentPassage(params.agent_id, params.memory_id);
        return null;
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/passages/search",
      operationId: "search_passages",
      summary: "Hybrid search over one archive, one agent's archives, or all archives",
      tag: "passages",
      body: PassageSearchRequestSchema,
      response: z.array(PassageSearchResultSchema),
      handle: async ({ body }) => {
        const result = await archives.search(
          { agent_id: body.agent_id, archive_id: body.archive_id },
          {
            query: body.query ?? "",
            tags: body.tags,
            tag_match_mode: body.tag_match_mode,
            start_date: body.start_date,
            end_date: body.end_date,
            limit: body.limit,
          },
        );
        return result.hits.map((hit) => ({
          passage: hit.passage,
          score: hit.score,
          metadata: {
            search_mode: result.mode,
            search_note: result.reason ?? null,
            vector_rank: hit.vector_rank,
            text_rank: hit.text_rank,
            distance: hit.distance,
          },
        }));
      },
    }),
  ];
}
