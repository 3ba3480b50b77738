import { z } from "zod";
import {
  AgentStateSchema,
  BlockSchema,
  CreateAgentSchema,
  CreateBlockSchema,
  EmbeddingConfigSchema,
  EmbeddingModelSchema,
  GroupSchema,
  IdentitySchema,
  LlmConfigSchema,
  ModelSchema,
  ToolSchema,
  UpdateAgentSchema,
  UpdateBlockSchema,
} from "../domain/index.js";
import type { AnyRoute } from "./route.js";

type JsonSchema = Record<string, unknown>;

/** Response schemas published as named components (referenced wherever they appear). */
const OUTPUT_COMPONENTS: Record<string, z.ZodType> = {
  AgentState: AgentStateSchema,
  Block: BlockSchema,
  Tool: ToolSchema,
  Identity: IdentitySchema,
  Group: GroupSchema,
  LlmConfig: LlmConfigSchema,
  EmbeddingConfig: EmbeddingConfigSchema,
  Model: ModelSchema,
  EmbeddingModel: EmbeddingModelSchema,
};

/** Request bodies published as named components. */
const INPUT_COMPONENTS: Record<string, z.ZodType> = {
  CreateAgent: CreateAgentSchema,
  UpdateAgent: UpdateAgentSchema,
  CreateBlock: CreateBlockSchema,
  UpdateBlock: UpdateBlockSchema,
};

const ErrorSchema = {
  type: "object",
  properties: { detail: { type: "string" }, trace_id: { type: "string" } },
  required: ["detail"],
  description: "Every error: a readable detail, plus extra fields for some errors",
};

const ref = (id: string) => `#/components/schemas/${id}`;

/**
 * The OpenAPI 3.1 document of the served routes, generated from the same zod schemas that validate
 * requests (and, in tests, responses), so the two cannot drift apart.
 */
export function buildOpenApiDocument(
  routes: readonly AnyRoute[],
  info: { title: string; version: string; lettaVersion: string },
): JsonSchema {
  const outputs = collect(OUTPUT_COMPONENTS, routes, (route) => route.response, "Response");
  const inputs = collect(INPUT_COMPONENTS, routes, (route) => route.body, "Body");
  const outputSchemas = schemasOf(outputs.registry, "output");
  const inputSchemas = schemasOf(inputs.registry, "input");

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: [...pathParameters(route.path), ...queryParameters(route.query)],
      responses: {
        "200": {
          description: "Successful response",
          content: { "application/json": { schema: schemaRef(outputs, route.response, outputSchemas) } },
        },
        default: {
          description: "Error",
          content: { "application/json": { schema: { $ref: ref("Error") } } },
        },
      },
    };
    if (route.body) {
      operation.requestBody = {
        // An empty body reads as `{}` (see readJsonBody): a body that may be all defaults is optional.
        required: !route.body.safeParse({}).success,
        content: { "application/json": { schema: schemaRef(inputs, route.body, inputSchemas) } },
      };
    }
    if (route.multipart) operation.requestBody = multipartBody(route.multipart);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = operation;
  }

  const components: Record<string, unknown> = { Error: ErrorSchema };
  for (const id of [...outputs.named, ...inputs.named]) {
    components[id] = outputSchemas[id] ?? inputSchemas[id];
  }
  // A route's own schema is inlined where it is the whole body or response, but another route that
  // embeds it (a list of what a create returns) refers to it: publish every schema referred to.
  const pending = [...referencedIds({ paths, components })];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (id in components) continue;
    const schema = outputSchemas[id] ?? inputSchemas[id];
    if (schema === undefined) continue;
    components[id] = schema;
    pending.push(...referencedIds(schema));
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, "x-letta-api-version": info.lettaVersion },
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
    },
  };
}

/** The component ids a JSON value refers to with `$ref`. */
function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const prefix = ref("");
  JSON.stringify(value, (key, entry) => {
    if (key === "$ref" && typeof entry === "string" && entry.startsWith(prefix)) {
      ids.add(entry.slice(prefix.length));
    }
    return entry;
  });
  return ids;
}

/** A form body: its text fields as zod describes them, plus binary file fields, all files required. */
function multipartBody(form: NonNullable<AnyRoute["multipart"]>): JsonSchema {
  const schema = z.toJSONSchema(form.fields, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const properties = { ...schema.properties };
  for (const name of form.files) properties[name] = { type: "string", format: "binary" };
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  return {
    required: true,
    content: {
      "multipart/form-data": {
        schema: { ...rest, properties, required: [...form.files, ...(schema.required ?? [])] },
      },
    },
  };
}

interface Collected {
  registry: z.core.$ZodRegistry<{ id: string }>;
  ids: Map<z.ZodType, string>;
  named: string[];
}

/** Registers the named components and every route's schema (anonymous ones get a route-based id). */
function collect(
  named: Record<string, z.ZodType>,
  routes: readonly AnyRoute[],
  pick: (route: AnyRoute) => z.ZodType | undefined,
  suffix: string,
): Collected {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  for (const [id, schema] of Object.entries(named)) {
    registry.add(schema, { id });
    ids.set(schema, id);
  }
  for (const route of routes) {
    const schema = pick(route);
    if (schema === undefined || ids.has(schema)) continue;
    const id = `${route.operationId}_${suffix}`;
    registry.add(schema, { id });
    ids.set(schema, id);
  }
  return { registry, ids, named: Object.keys(named) };
}

function schemasOf(
  registry: z.core.$ZodRegistry<{ id: string }>,
  io: "input" | "output",
): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, { io, uri: ref, unrepresentable: "any" });
  const cleaned: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as JsonSchema;
    cleaned[id] = rest;
  }
  return cleaned;
}

/** A `$ref` for a named component; the schema itself, inlined, for a route's anonymous one. */
function schemaRef(collected: Collected, schema: z.ZodType, schemas: Record<string, JsonSchema>): JsonSchema {
  const id = collected.ids.get(schema);
  if (id === undefined) return {};
  return collected.named.includes(id) ? { $ref: ref(id) } : (schemas[id] ?? {});
}

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
}

function queryParameters(query: z.ZodObject | undefined): JsonSchema[] {
  if (query === undefined) return [];
  const schema = z.toJSONSchema(query, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: "query",
      required: schema.required?.includes(name) ?? false,
      ...(description === undefined ? {} : { description }),
      schema: rest,
      ...(rest.type === "array" ? { style: "form", explode: true } : {}),
    };
  });
}
