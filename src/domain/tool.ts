import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";
import { pageQuerySchema, queryArray, queryBoolean } from "./query-params.js";

export const ToolTypeSchema = z.enum([
  "custom",
  "letta_core",
  "letta_memory_core",
  "letta_sleeptime_core",
  "letta_multi_agent_core",
  "letta_voice_sleeptime_core",
  "letta_builtin",
  "letta_files_core",
  "external_mcp",
  "client",
]);
export type ToolType = z.infer<typeof ToolTypeSchema>;

/** JSON schema of a tool in OpenAI function form: `{name, description, parameters}`. */
export const ToolJsonSchemaSchema = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type ToolJsonSchema = z.infer<typeof ToolJsonSchemaSchema>;

/** A tool an agent can call: built-in, custom (source code), MCP, or client-side. */
export const ToolSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  tool_type: ToolTypeSchema,
  source_type: z.string().nullable(),
  source_code: z.string().nullable(),
  json_schema: ToolJsonSchemaSchema.nullable(),
  args_json_schema: z.record(z.string(), z.unknown()).nullable(),
  tags: z.array(z.string()),
  return_char_limit: z.number().int(),
  default_requires_approval: z.boolean().nullable(),
  enable_parallel_execution: z.boolean().nullable(),
  pip_requirements: z.array(z.record(z.string(), z.unknown())).nullable(),
  npm_requirements: z.array(z.record(z.string(), z.unknown())).nullable(),
  metadata_: MetadataSchema.nullable(),
  project_id: z.string().nullable(),
  created_by_id: z.string().nullable(),
  last_updated_by_id: z.string().nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
});
export type Tool = z.infer<typeof ToolSchema>;

export const DEFAULT_RETURN_CHAR_LIMIT = 50_000;

/** A Python package a tool needs (`pip install name==version`). */
export const PipRequirementSchema = z.object({
  name: z.string().min(1),
  version: z.string().nullable().optional(),
});
export type PipRequirement = z.infer<typeof PipRequirementSchema>;

/** An npm package a TypeScript/JavaScript tool needs (`npm install name@version`). */
export const NpmRequirementSchema = z.object({
  name: z.string().min(1),
  version: z.string().nullable().optional(),
});
export type NpmRequirement = z.infer<typeof NpmRequirementSchema>;

/** The languages custom tools are written in. */
export const ToolSourceTypeSchema = z.enum(["python", "typescript", "javascript"]);
export type ToolSourceType = z.infer<typeof ToolSourceTypeSchema>;

const jsonObject = z.record(z.string(), z.unknown());

/** Body of `POST /v1/tools/` and `PUT /v1/tools/` (Letta's ToolCreate). */
export const ToolCreateSchema = z.object({
  description: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  source_code: z.string(),
  source_type: ToolSourceTypeSchema.default("python"),
  json_schema: jsonObject.nullable().optional(),
  args_json_schema: jsonObject.nullable().optional(),
  return_char_limit: z.number().int().min(1).max(1_000_000).default(DEFAULT_RETURN_CHAR_LIMIT),
  pip_requirements: z.array(PipRequirementSchema).nullable().optional(),
  npm_requirements: z.array(NpmRequirementSchema).nullable().optional(),
  default_requires_approval: z.boolean().nullable().optional(),
  enable_parallel_execution: z.boolean().nullable().optional(),
  metadata_: MetadataSchema.nullable().optional(),
});
export type ToolCreate = z.infer<typeof ToolCreateSchema>;

/** Body of `PATCH /v1/tools/{tool_id}` (Letta's ToolUpdate): every field optional. */
export const ToolUpdateSchema = z.object({
  description: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  source_code: z.string().nullable().optional(),
  source_type: ToolSourceTypeSchema.nullable().optional(),
  json_schema: jsonObject.nullable().optional(),
  args_json_schema: jsonObject.nullable().optional(),
  return_char_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  pip_requirements: z.array(PipRequirementSchema).nullable().optional(),
  npm_requirements: z.array(NpmRequirementSchema).nullable().optional(),
  metadata_: MetadataSchema.nullable().optional(),
  default_requires_approval: z.boolean().nullable().optional(),
  enable_parallel_execution: z.boolean().nullable().optional(),
});
export type ToolUpdate = z.infer<typeof ToolUpdateSchema>;

/** Body of `POST /v1/tools/run`: source code run once with arguments, not saved. */
export const ToolRunFromSourceSchema = z.object({
  source_code: z.string(),
  args: jsonObject,
  env_vars: z.record(z.string(), z.string()).optional(),
  name: z.string().nullable().optional(),
  source_type: ToolSourceTypeSchema.nullable().optional(),
  args_json_schema: jsonObject.nullable().optional(),
  json_schema: jsonObject.nullable().optional(),
  pip_requirements: z.array(PipRequirementSchema).nullable().optional(),
  npm_requirements: z.array(NpmRequirementSchema).nullable().optional(),
});
export type ToolRunFromSource = z.infer<typeof ToolRunFromSourceSchema>;

/** Letta's ToolReturnMessage, as `POST /v1/tools/run` answers it. */
export const ToolRunResultSchema = z.object({
  id: z.string(),
  date: TimestampSchema,
  name: z.string().nullable(),
  message_type: z.literal("tool_return_message"),
  otid: z.string().nullable(),
  sender_id: z.string().nullable(),
  step_id: z.string().nullable(),
  is_err: z.boolean().nullable(),
  seq_id: z.number().int().nullable(),
  run_id: z.string().nullable(),
  tool_return: z.string(),
  status: z.enum(["success", "error"]),
  tool_call_id: z.string(),
  stdout: z.array(z.string()).nullable(),
  stderr: z.array(z.string()).nullable(),
});
export type ToolRunResult = z.infer<typeof ToolRunResultSchema>;

/** Letta's ToolExecutionResult (`POST /v1/agents/{agent_id}/tools/{tool_name}/run`). */
export const ToolExecutionResultSchema = z.object({
  status: z.enum(["success", "error"]),
  func_return: z.unknown().nullable(),
  stdout: z.array(z.string()).nullable(),
  stderr: z.array(z.string()).nullable(),
  sandbox_config_fingerprint: z.string().nullable().optional(),
});
export type ToolExecutionResult = z.infer<typeof ToolExecutionResultSchema>;

/** The filters of `GET /v1/tools/` and `/v1/tools/count`. */
export const ToolFilterQuerySchema = z.object({
  name: z.string().optional(),
  names: queryArray().optional(),
  tool_ids: queryArray().optional(),
  search: z.string().optional(),
  tool_types: z.array(ToolTypeSchema).optional(),
  exclude_tool_types: z.array(ToolTypeSchema).optional(),
  tags: queryArray().optional(),
});

/** `GET /v1/tools/` query. */
export const ListToolsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 })
  .extend(ToolFilterQuerySchema.shape)
  .extend({ return_only_letta_tools: queryBoolean().optional() });

/** `GET /v1/agents/{id}/tools` query. */
export const ListAgentToolsQuerySchema = pageQuerySchema({ order: "asc", limit: 100 });

/** `POST /v1/agents/{id}/tools/{name}/run` body: the tool's arguments. */
export const RunAgentToolRequestSchema = z.object({ args: z.record(z.string(), z.unknown()).default({}) });

/** `PATCH /v1/agents/{id}/tools/approval/{name}` query. */
export const ToolApprovalQuerySchema = z.object({ requires_approval: queryBoolean().optional() });

/**
 * `PATCH /v1/agents/{id}/tools/approval/{name}` body. The SDK sends `{"body_requires_approval": …}` (a
 * name-clash artefact); the old server read `requires_approval`.
 */
export const ToolApprovalRequestSchema = z
  .object({ requires_approval: z.boolean().optional(), body_requires_approval: z.boolean().optional() })
  .nullable()
  .optional();
