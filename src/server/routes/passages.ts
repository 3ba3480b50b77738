import { z } from "zod";
import {
  ArchivalSearchQuerySchema,
  ArchivalSearchResponseSchema,
  CreateArchivalMemorySchema,
  ListArchivalMemoryQuerySchema,
  PassageSchema,
  PassageSearchRequestSchema,
  PassageSearchResultSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";

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
      query: ListArchivalMemoryQuerySchema,
      response: z.array(PassageSchema),
      handle: ({ params, query }) => archives.listAgentPassages(params.agent_id, query),
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/archival-memory",
      operationId: "create_passage",
      summary: "Insert into an agent's archival memory (long text becomes several passages, all returned)",
      tag: "agents",
      body: CreateArchivalMemorySchema,
      response: z.array(PassageSchema),
      handle: ({ params, body }) => archives.insertAgentPassage(params.agent_id, body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/archival-memory/search",
      operationId: "search_archival_memory",
      summary: "Hybrid (vector + full text) search of an agent's archival memory",
      tag: "agents",
      query: ArchivalSearchQuerySchema,
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
