import { z } from "zod";
import { MetadataSchema, TimestampSchema } from "./common.js";

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
