import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { pageQuerySchema, queryArray, queryBoolean } from "./query-params.js";

/** Letta's default character limit of a core memory block. */
export const DEFAULT_BLOCK_LIMIT = 100_000;

/** A core memory block: always rendered into the system prompt; one row may be shared by several agents. */
export const BlockSchema = z.object({
  id: z.string(),
  label: z.string(),
  value: z.string(),
  limit: z.number().int(),
  description: z.string().nullable(),
  read_only: z.boolean(),
  hidden: z.boolean().nullable(),
  metadata: MetadataSchema,
  tags: z.array(z.string()),
  is_template: z.boolean(),
  template_name: z.string().nullable(),
  project_id: z.string().nullable(),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Block = z.infer<typeof BlockSchema>;

const LabelSchema = z
  .string()
  .min(1, "label must not be empty")
  .max(200)
  .regex(/^[^\s<>]+$/, "label must not contain spaces or angle brackets");

// Null bytes are stripped, as Letta does: they break prompts and PostgreSQL text columns.
const BlockValueSchema = z.string().transform((value) => value.replaceAll("\u0000", ""));

/** Body of `POST /v1/blocks/` and of each `memory_blocks` entry at agent creation. */
export const CreateBlockSchema = z.object({
  label: LabelSchema,
  value: BlockValueSchema,
  limit: z.number().int().positive().optional(),
  description: z.string().nullable().optional(),
  read_only: z.boolean().optional(),
  hidden: z.boolean().nullable().optional(),
  metadata: MetadataSchema.nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  is_template: z.boolean().optional(),
  template_name: z.string().nullable().optional(),
  project_id: z.string().nullable().optional(),
});
export type CreateBlock = z.infer<typeof CreateBlockSchema>;

/** Body of `PATCH /v1/blocks/{id}` and of the agent core-memory PATCH. */
export const UpdateBlockSchema = CreateBlockSchema.partial();
export type UpdateBlock = z.infer<typeof UpdateBlockSchema>;

/** Who changed a block: a user through the API, an agent through a tool, or the system. */
export const ActorSchema = z.object({
  type: z.enum(["user", "agent", "system"]),
  id: z.string().nullable(),
  run_id: z.string().nullable().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

/** How a revision came about: the block's creation, an edit, or a history operation through the API. */
export const RevisionOperationSchema = z.enum(["create", "edit", "restore", "undo", "redo"]);
export type RevisionOperation = z.infer<typeof RevisionOperationSchema>;

/** One entry of a block's history: every write appends one (before and after). */
export const BlockRevisionSchema = z.object({
  id: z.string(),
  block_id: z.string(),
  seq: z.number().int().describe("Position in the block's history, from 1 (its creation)"),
  actor_type: ActorSchema.shape.type.describe("Who wrote: a user through the API, an agent, the system"),
  actor_id: z.string().nullable().describe("The agent's id when an agent wrote"),
  run_id: z.string().nullable().describe("The run whose tool call made the edit"),
  old_value: z.string().nullable().describe("The value before (null for the creation)"),
  new_value: z.string(),
  old_label: z.string().nullable(),
  new_label: z.string(),
  operation: RevisionOperationSchema,
  target_seq: z
    .number()
    .int()
    .nullable()
    .describe("restore: the revision restored; undo: the edit undone; redo: the edit applied again"),
  undo_seq: z
    .number()
    .int()
    .nullable()
    .describe("After this revision, the edit an undo would revert (null: nothing to undo)"),
  redo_seq: z
    .number()
    .int()
    .nullable()
    .describe("After this revision, the undone edit a redo would apply again (null: nothing to redo)"),
  created_at: TimestampSchema,
});
export type BlockRevision = z.infer<typeof BlockRevisionSchema>;

/** `GET /v1/blocks/` query. */
export const ListBlocksQuerySchema = pageQuerySchema({ order: "asc", limit: 50 }).extend({
  label: z.string().optional().describe("Exact label"),
  templates_only: queryBoolean().default(false),
  name: z.string().optional().describe("Template name (blocks that are templates)"),
  label_search: z.string().optional().describe("Case-insensitive substring of the label"),
  value_search: z.string().optional().describe("Case-insensitive substring of the value"),
  project_id: z.string().optional(),
  tags: queryArray().optional(),
  match_all_tags: queryBoolean().default(false),
});

/** `GET /v1/blocks/{id}/agents` query. */
export const ListBlockAgentsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  include: queryArray().optional(),
});

/** `GET /v1/agents/{id}/core-memory/blocks` query. */
export const ListAgentBlocksQuerySchema = pageQuerySchema({ order: "desc", limit: 100 });
