import type { Context } from "hono";
import {
  ExportAgentQuerySchema,
  ExportAgentRequestSchema,
  ExportedAgentFileSchema,
  ImportAgentFormSchema,
  ImportedAgentsSchema,
  ImportSecretsSchema,
  parseRequestJson,
  ReverieError,
  stripNul,
} from "../../domain/index.js";
import type { ImportOptions } from "../../runtime/agent-file/import.js";
import type { Services } from "../../runtime/services.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { validate } from "../validation.js";

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
  const form = validate(ImportAgentFormSchema, fields, "body");
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
  return validate(ImportSecretsSchema, value, "body");
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
      multipart: { fields: ImportAgentFormSchema, files: ["file"] },
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
      query: ExportAgentQuerySchema,
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
      body: ExportAgentRequestSchema,
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
