import type { Context } from "hono";
import { z } from "zod";
import { parseRequestJson, ReverieError, stripNul } from "../../domain/index.js";
import type { ImportOptions } from "../../runtime/agent-file/import.js";
import { ExportedAgentFileSchema } from "../../runtime/agent-file/schema.js";
import type { Services } from "../../runtime/services.js";
import { queryBoolean } from "../query.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { validate } from "../validation.js";

const includeHistory = queryBoolean()
  .default(false)
  .describe("Export the whole message history, not only the in-context window (Reverie extension)");

const ExportQuerySchema = z.object({
  conversation_id: z.string().optional().describe("Export this conversation's messages instead"),
  scrub_messages: queryBoolean().default(false).describe("Leave every message out"),
  include_history: includeHistory,
  use_legacy_format: queryBoolean().default(false).describe("Deprecated; only v2 is written"),
  max_steps: z.string().optional().describe("Deprecated and ignored"),
});

const SkillSchema = z.looseObject({
  name: z.string(),
  files: z.record(z.string(), z.string()).nullish(),
  source_url: z.string().nullish(),
});

const ExportBodySchema = z
  .object({
    skills: z.array(SkillSchema).optional(),
    conversation_id: z.string().nullish(),
    scrub_messages: z.boolean().optional(),
    include_history: z.boolean().optional().describe("Reverie extension: the whole history"),
  })
  .nullable();

const ImportedAgentsSchema = z.object({
  agent_ids: z.array(z.string()),
  /** What the file held that was not imported, or was changed to be (MCP servers, over-limit blocks...). */
  notes: z.array(z.string()),
  /** What will not work until the user acts: an agent whose model's provider is not configured. */
  warnings: z.array(z.string()),
});

const formBoolean = () => z.stringbool().optional();

/** The text fields of Letta's `Body_import_agent` (the file itself is read apart). */
const ImportFormSchema = z.object({
  override_existing_tools: formBoolean(),
  strip_messages: formBoolean(),
  secrets: z.string().optional(),
  name: z.string().min(1).max(256).optional(),
  model: z.string().optional(),
  embedding: z.string().optional(),
  append_copy_suffix: formBoolean(),
  override_name: z.string().min(1).max(256).optional(),
  override_embedding_handle: z.string().optional(),
  override_model_handle: z.string().optional(),
  project_id: z.string().optional(),
  env_vars_json: z.string().optional(),
});

const SecretsSchema = z.record(z.string(), z.string());

/** Reads the multipart form (or, for curl and scripts, a raw JSON body with the options in the query). */
async function readImport(c: Context): Promise<{ text: string; options: ImportOptions }> {
  const type = c.req.header("content-type") ?? "";
  let text: string;
  let fields: Record<string, unknown>;
  if (type.startsWith("multipart/form-data")) {
    let form: Record<string, string | File>;
    try {
      form = (await c.req.parseBody()) as Record<string, string | File>;
    } catch (error) {
      throw new ReverieError("invalid_argument", `Invalid multipart body: ${(error as Error).message}`);
    }
    const { file, ...rest } = form;
    if (file === undefined)
      throw new ReverieError("validation", "Invalid body: file: the agent file is required");
    text = typeof file === "string" ? file : await file.text();
    // An empty text field means "not given", as Letta's form parsing treats it.
    fields = Object.fromEntries(
      Object.entries(rest)
        .filter(([, value]) => value !== "")
        .map(([name, value]) => [name, typeof value === "string" ? stripNul(value) : value]),
    );
  } else if (type.startsWith("application/json")) {
    text = await c.req.text();
    fields = Object.fromEntries(
      Object.entries(c.req.query())
        .filter(([, value]) => value !== "")
        .map(([name, value]) => [name, stripNul(value)]),
    );
  } else {
    throw new ReverieError(
      "unsupported_media_type",
      "Send the agent file as multipart/form-data (field 'file') or as an application/json body",
    );
  }
  const form = validate(ImportFormSchema, fields, "body");
  const secretsText = form.secrets ?? form.env_vars_json;
  return {
    text,
    options: {
      overrideExistingTools: form.override_existing_tools,
      stripMessages: form.strip_messages,
      secrets: secretsText === undefined ? undefined : parseSecrets(secretsText),
      name: form.name ?? form.override_name,
      model: form.model ?? form.override_model_handle,
      embedding:
        c.req.header("x-override-embedding-model") || form.embedding || form.override_embedding_handle,
      projectId: form.project_id,
      appendCopySuffix: form.append_copy_suffix,
    },
  };
}

function parseSecrets(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = parseRequestJson(text, "secrets");
  } catch (error) {
    if (error instanceof ReverieError) throw error;
    throw new ReverieError("validation", "Invalid body: secrets: not valid JSON");
  }
  return validate(SecretsSchema, value, "body");
}

/** Agent File export (`GET`/`POST /v1/agents/{id}/export`) and import (`POST /v1/agents/import`). */
export function agentFileRoutes(services: Services): AnyRoute[] {
  const { agentFiles } = services;
  return [
    defineRoute({
      method: "post",
      path: "/v1/agents/import",
      operationId: "import_agent",
      summary: "Import an Agent File (.af, v2 or legacy v1): multipart field 'file' plus Letta's options",
      tag: "agents",
      multipart: { fields: ImportFormSchema, files: ["file"] },
      response: ImportedAgentsSchema,
      handle: async ({ context }) => {
        const { text, options } = await readImport(context);
        return agentFiles.import(text, options);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/export",
      operationId: "export_agent",
      summary: "Export an agent (and its sleep-time group) as an Agent File v2",
      tag: "agents",
      query: ExportQuerySchema,
      response: ExportedAgentFileSchema,
      handle: ({ params, query }) => {
        if (query.use_legacy_format) {
          throw new ReverieError(
            "invalid_argument",
            "use_legacy_format: only the Agent File v2 format is exported",
          );
        }
        return agentFiles.export(params.agent_id, {
          conversationId: query.conversation_id,
          scrubMessages: query.scrub_messages,
          includeHistory: query.include_history,
        });
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/export",
      operationId: "export_agent_with_skills",
      summary: "Export an agent as an Agent File v2, with skills given by the client",
      tag: "agents",
      body: ExportBodySchema,
      response: ExportedAgentFileSchema,
      handle: ({ params, body }) =>
        agentFiles.export(params.agent_id, {
          conversationId: body?.conversation_id,
          scrubMessages: body?.scrub_messages,
          includeHistory: body?.include_history,
          skills: body?.skills,
        }),
    }),
  ];
}
