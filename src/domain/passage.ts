import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { EmbeddingConfigSchema } from "./llm-config.js";

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
