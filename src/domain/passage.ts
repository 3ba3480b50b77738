import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { EmbeddingConfigSchema } from "./llm-config.js";
import { pageQuerySchema, queryArray, queryBoolean, queryInt } from "./query-params.js";

/** A named collection of passages; one archive can serve several agents. */
export const ArchiveSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  embedding_config: EmbeddingConfigSchema.nullable(),
  vector_db_provider: z.literal("native"),
  metadata: MetadataSchema.nullable(),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Archive = z.infer<typeof ArchiveSchema>;

/** A unit of archival memory: text, its tags, and (when an embedder is configured) its vector. */
export const PassageSchema = z.object({
  id: z.string(),
  text: z.string(),
  archive_id: z.string().nullable(),
  source_id: z.string().nullable(),
  file_id: z.string().nullable(),
  file_name: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: MetadataSchema.nullable(),
  embedding: z.array(z.number()).nullable(),
  embedding_config: EmbeddingConfigSchema.nullable(),
  is_deleted: z.boolean(),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Passage = z.infer<typeof PassageSchema>;

/** `POST /v1/archives/` body. */
export const CreateArchiveSchema = z.object({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  embedding: z
    .string()
    .nullable()
    .optional()
    .describe("Embedding model handle; the default model when absent"),
  embedding_config: EmbeddingConfigSchema.nullable().optional().describe("Deprecated: use `embedding`"),
});
export type CreateArchive = z.output<typeof CreateArchiveSchema>;

/** `PATCH /v1/archives/{id}` body. */
export const UpdateArchiveSchema = z.object({
  name: z.string().min(1).nullable().optional(),
  description: z.string().nullable().optional(),
});
export type UpdateArchive = z.output<typeof UpdateArchiveSchema>;

/** `GET /v1/archives/` query. */
export const ListArchivesQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  name: z.string().optional(),
  agent_id: z.string().optional().describe("Only archives attached to this agent"),
});

/** `GET /v1/archives/{id}/agents` query. */
export const ListArchiveAgentsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  include: queryArray().optional(),
});

/** Letta's `PassageCreateRequest`: one passage to write (long text becomes several passages). */
export const PassageCreateSchema = z.object({
  text: z
    .string()
    .min(1)
    .describe("The text; longer than the embedding chunk size, it becomes several passages"),
  metadata: MetadataSchema.nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  created_at: z.string().nullable().optional().describe("ISO 8601 creation time; now when absent"),
});
export type PassageCreate = z.output<typeof PassageCreateSchema>;

/** `POST /v1/archives/{id}/passages/batch` body. */
export const PassageBatchCreateSchema = z.object({ passages: z.array(PassageCreateSchema).min(1) });

/**
 * A created passage. When the text was split into several passages, this is the first, and
 * `passage_count` and `passage_ids` (fields Letta does not have) name all of them.
 */
export const CreatedPassageSchema = PassageSchema.extend({
  passage_count: z.number().int().describe("How many passages the text was stored as"),
  passage_ids: z.array(z.string()),
});

/** `POST /v1/agents/{id}/archival-memory` body. */
export const CreateArchivalMemorySchema = PassageCreateSchema.pick({
  text: true,
  tags: true,
  created_at: true,
});

/** `GET /v1/agents/{id}/archival-memory` query. */
export const ListArchivalMemoryQuerySchema = z.object({
  after: z.string().optional(),
  before: z.string().optional(),
  limit: queryInt().min(1).default(100),
  search: z.string().optional().describe("Case-insensitive substring of the text"),
  ascending: queryBoolean().default(true).describe("Oldest first (default) or newest first"),
});
export type ListArchivalMemoryQuery = z.output<typeof ListArchivalMemoryQuerySchema>;

/** Whether tags filter with any or all of the given tags. */
export const TagMatchModeSchema = z.enum(["any", "all"]).default("any");

/**
 * `hybrid`: vector and full text fused; `text`: full text only, because no embedding model is configured
 * (or embedding the query failed, and the note says why).
 */
export const PassageSearchModeSchema = z
  .enum(["hybrid", "text"])
  .describe("`text` when no embedding model is configured: the search used full text only");
export type PassageSearchMode = z.output<typeof PassageSearchModeSchema>;

/** `GET /v1/agents/{id}/archival-memory/search` query. */
export const ArchivalSearchQuerySchema = z.object({
  query: z.string(),
  tags: queryArray().optional(),
  tag_match_mode: TagMatchModeSchema,
  top_k: queryInt().min(1).max(100).optional(),
  start_datetime: z.string().optional(),
  end_datetime: z.string().optional(),
});

/** One archival search result as Letta shapes it, with how it ranked alongside. */
export const ArchivalSearchItemSchema = z.object({
  id: z.string(),
  timestamp: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  score: z.number().describe("Fused score"),
  vector_rank: z.number().int().nullable().describe("Rank in the vector search (1 = nearest)"),
  text_rank: z.number().int().nullable().describe("Rank in the full-text search"),
});

/** Letta's `ArchivalMemorySearchResponse`, plus each result's relevance and the search mode. */
export const ArchivalSearchResponseSchema = z.object({
  count: z.number().int(),
  results: z.array(ArchivalSearchItemSchema),
  search_mode: PassageSearchModeSchema,
  search_note: z.string().nullable().describe("Why the search was text-only, when it was"),
});
export type ArchivalSearchResponse = z.output<typeof ArchivalSearchResponseSchema>;

/** `POST /v1/passages/search` body. */
export const PassageSearchRequestSchema = z.object({
  query: z.string().nullable().optional(),
  agent_id: z.string().nullable().optional(),
  archive_id: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  tag_match_mode: TagMatchModeSchema,
  limit: z.number().int().min(1).max(100).default(50),
  start_date: z.string().nullable().optional(),
  end_date: z.string().nullable().optional(),
});

/** Letta's `PassageSearchResult` (the passage without its vector); `metadata` carries the ranks and mode. */
export const PassageSearchResultSchema = z.object({
  passage: PassageSchema,
  score: z.number(),
  metadata: z.object({
    search_mode: PassageSearchModeSchema,
    search_note: z.string().nullable(),
    vector_rank: z.number().int().nullable(),
    text_rank: z.number().int().nullable(),
    distance: z.number().nullable().describe("Cosine distance to the query, when the vector search found it"),
  }),
});
