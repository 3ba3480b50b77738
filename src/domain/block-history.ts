import { z } from "zod";
import { BlockRevisionSchema, BlockSchema } from "./block.js";
import { pageQuerySchema } from "./query-params.js";

/** Query of `GET /v1/blocks/{id}/history`: cursor paging over revisions, newest first by default. */
export const BlockHistoryQuerySchema = pageQuerySchema({ order: "desc", limit: 50 });
export type BlockHistoryQuery = z.output<typeof BlockHistoryQuerySchema>;

/** Query of `GET /v1/blocks/{id}/diff`. */
export const BlockDiffQuerySchema = z.object({
  from: z
    .string()
    .optional()
    .describe("Revision id of the older side; by default the value just before `to` (what `to` changed)"),
  to: z.string().optional().describe("Revision id of the newer side; by default the latest revision"),
});
export type BlockDiffQuery = z.output<typeof BlockDiffQuerySchema>;

/** One line of a line diff. */
export const DiffLineSchema = z.object({
  op: z.enum(["equal", "delete", "insert"]),
  text: z.string(),
});
export type DiffLine = z.infer<typeof DiffLineSchema>;

/** Two states of a block compared line by line. */
export const BlockDiffSchema = z.object({
  block_id: z.string(),
  from_revision_id: z.string().nullable().describe("null: the older side is the value before `to`"),
  from_seq: z.number().int().nullable(),
  to_revision_id: z.string(),
  to_seq: z.number().int(),
  old_label: z.string().nullable(),
  new_label: z.string(),
  old_value: z.string().nullable().describe("null: `to` created the block"),
  new_value: z.string(),
  lines: z.array(DiffLineSchema),
  diff: z.string().describe("The same diff as text: lines prefixed with '-' (removed), '+' (added) or ' '"),
  added: z.number().int().describe("Lines only in the newer side"),
  removed: z.number().int().describe("Lines only in the older side"),
});
export type BlockDiff = z.infer<typeof BlockDiffSchema>;

/** Body of `POST /v1/blocks/{id}/restore`. */
export const RestoreBlockRequestSchema = z.object({
  revision_id: z
    .string()
    .min(1)
    .describe("The revision whose resulting value and label the block takes again"),
});
export type RestoreBlockRequest = z.output<typeof RestoreBlockRequestSchema>;

/** Answer of restore, undo and redo: the block as it is now and the revision that recorded the change. */
export const BlockHistoryChangeSchema = z.object({
  block: BlockSchema,
  revision: BlockRevisionSchema,
});
export type BlockHistoryChange = z.infer<typeof BlockHistoryChangeSchema>;
