import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { EmbeddingConfigSchema } from "./llm-config.js";
import { pageQuerySchema, queryBoolean, queryInt } from "./query-params.js";

/**
 * A folder of files an agent can read (Letta's "source"; ids keep the `source-` prefix). Its files are
 * chunked into passages that carry the folder's id as `source_id`.
 */
export const SourceSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  /** How agents should use the folder; shown in the prompt's `<directories>` section. */
  instructions: z.string().nullable(),
  metadata: MetadataSchema.nullable(),
  /** Null when no embedding model was available: the folder's files are then searched by text only. */
  embedding_config: EmbeddingConfigSchema.nullable(),
  vector_db_provider: z.literal("native"),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Source = z.infer<typeof SourceSchema>;

/** Body of `POST /v1/folders/` (and the legacy `/v1/sources/`). */
export const CreateSourceSchema = z.object({
  name: z.string().trim().min(1).max(256),
  description: z.string().nullable().optional(),
  instructions: z.string().nullable().optional(),
  metadata: MetadataSchema.nullable().optional(),
  /** Embedding model handle, e.g. `openai/text-embedding-3-small`. */
  embedding: z.string().nullable().optional(),
  embedding_chunk_size: z.number().int().positive().nullable().optional(),
  /** Legacy: a full embedding config instead of a handle. */
  embedding_config: EmbeddingConfigSchema.nullable().optional(),
});
export type CreateSource = z.infer<typeof CreateSourceSchema>;

/** Body of `PATCH /v1/folders/{folder_id}`. */
export const UpdateSourceSchema = z.object({
  name: z.string().trim().min(1).max(256).nullable().optional(),
  description: z.string().nullable().optional(),
  instructions: z.string().nullable().optional(),
  metadata: MetadataSchema.nullable().optional(),
  embedding_config: EmbeddingConfigSchema.nullable().optional(),
});
export type UpdateSource = z.infer<typeof UpdateSourceSchema>;

/** Where a file is in its processing: pending → parsing → embedding → completed, or error. */
export const FileProcessingStatusSchema = z.enum(["pending", "parsing", "embedding", "completed", "error"]);
export type FileProcessingStatus = z.infer<typeof FileProcessingStatusSchema>;

/** What to do when an upload has the name of a file already in the folder (Letta's default: suffix). */
export const DuplicateFileHandlingSchema = z.enum(["skip", "error", "suffix", "replace"]);
export type DuplicateFileHandling = z.infer<typeof DuplicateFileHandlingSchema>;

/** A file uploaded to a folder, with its processing state; `content` only when asked for. */
export const FileMetadataSchema = z.object({
  id: z.string(),
  source_id: z.string(),
  file_name: z.string().nullable(),
  original_file_name: z.string().nullable(),
  file_path: z.string().nullable(),
  file_type: z.string().nullable(),
  file_size: z.number().int().nullable(),
  file_creation_date: z.string().nullable(),
  file_last_modified_date: z.string().nullable(),
  processing_status: FileProcessingStatusSchema,
  error_message: z.string().nullable(),
  total_chunks: z.number().int().nullable(),
  chunks_embedded: z.number().int().nullable(),
  content: z.string().nullable().optional(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type FileMetadata = z.infer<typeof FileMetadataSchema>;

/**
 * An agent's view of one file of an attached folder: whether it is open and the window of it the
 * prompt shows (`visible_content`, lines prefixed `N: `).
 */
export const FileAgentSchema = z.object({
  agent_id: z.string(),
  file_id: z.string(),
  source_id: z.string(),
  /** `folder/file`, the name the agent's file tools use. */
  file_name: z.string(),
  is_open: z.boolean(),
  visible_content: z.string().nullable(),
  /** 1-based first and last line of the visible window; null for the whole file. */
  start_line: z.number().int().nullable(),
  end_line: z.number().int().nullable(),
  last_accessed_at: TimestampSchema,
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type FileAgent = z.infer<typeof FileAgentSchema>;

/** One row of `GET /v1/agents/{agent_id}/files` (Letta's AgentFileAttachment). */
export const AgentFileAttachmentSchema = z.object({
  id: z.string(),
  file_id: z.string(),
  file_name: z.string(),
  folder_id: z.string(),
  folder_name: z.string(),
  is_open: z.boolean(),
  last_accessed_at: TimestampSchema.nullable(),
  visible_content: z.string().nullable(),
  start_line: z.number().int().nullable(),
  end_line: z.number().int().nullable(),
});
export type AgentFileAttachment = z.infer<typeof AgentFileAttachmentSchema>;

/** `GET /v1/folders/` query. */
export const ListSourcesQuerySchema = pageQuerySchema({ order: "asc", limit: 50 }).extend({
  name: z.string().optional(),
});

/** `POST /v1/folders/{id}/upload` query. */
export const UploadFileQuerySchema = z.object({
  duplicate_handling: DuplicateFileHandlingSchema.default("suffix").describe(
    "How to handle a file name the folder already has",
  ),
  name: z.string().optional().describe("A name to store the file under instead of the uploaded one"),
});
export type UploadFileQuery = z.output<typeof UploadFileQuerySchema>;

/** `GET /v1/folders/{id}/files` query. */
export const ListFilesQuerySchema = pageQuerySchema({ order: "desc", limit: 1000 }).extend({
  include_content: queryBoolean().default(false).describe("Include each file's extracted text"),
});

/** `GET /v1/folders/{id}/files/{file_id}` query. */
export const RetrieveFileQuerySchema = z.object({ include_content: queryBoolean().default(false) });

/** `GET /v1/agents/{id}/files` query. */
export const ListAgentFilesQuerySchema = z.object({
  after: z.string().optional(),
  cursor: z.string().optional().describe("Same as `after` (the `next_cursor` of the previous page)"),
  before: z.string().optional(),
  limit: queryInt().min(1).max(1000).default(20),
  order: z.enum(["asc", "desc"]).optional(),
  order_by: z.string().optional(),
  is_open: queryBoolean().optional().describe("Only open (true) or closed (false) files"),
});

/** `GET /v1/agents/{id}/files` answer: one page of the files an agent sees. */
export const AgentFilesPageSchema = z.object({
  files: z.array(AgentFileAttachmentSchema),
  next_cursor: z.string().nullable(),
  has_more: z.boolean(),
});
export type AgentFilesPage = z.output<typeof AgentFilesPageSchema>;

/** `GET /v1/folders/{id}/agents` query. */
export const ListFolderAgentsQuerySchema = pageQuerySchema({ order: "asc", limit: 50 });

/** `GET /v1/agents/{id}/folders` query. */
export const ListAgentFoldersQuerySchema = pageQuerySchema({ order: "asc", limit: 100 });
