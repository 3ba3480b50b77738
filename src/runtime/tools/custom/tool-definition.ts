import { ReverieError, type ToolJsonSchema, type ToolSourceType } from "../../../domain/index.js";
import type { DerivedSignature } from "./derived-signature.js";
import { derivePythonSignature } from "./python-schema.js";
import { deriveTypescriptSignature } from "./typescript-schema.js";

/** The parts of a tool that come from its source: what create, upsert, modify and run share. */
export interface ToolSourceInput {
  source_code: string;
  source_type: ToolSourceType;
  json_schema?: Record<string, unknown> | null | undefined;
  args_json_schema?: Record<string, unknown> | null | undefined;
  description?: string | null | undefined;
  /** The function to use when the source defines several (`POST /v1/tools/run`'s `name`). */
  name?: string | null | undefined;
}

/** A tool's name, description and JSON schema, checked against its source. */
export interface ToolDefinition {
  name: string;
  description: string | null;
  json_schema: ToolJsonSchema;
  signature: DerivedSignature;
}

// Letta's heartbeat and inner-thoughts arguments live in stored schemas but never in the function.
const LOOP_ARGUMENTS = new Set(["request_heartbeat", "inner_thoughts"]);

const invalid = (message: string) => new ReverieError("validation", message);

/** Reads the source's function (Python, TypeScript or JavaScript); a 422 names what is wrong. */
export async function readSignature(
  source: string,
  sourceType: ToolSourceType,
  name?: string | null,
): Promise<DerivedSignature> {
  if (!source.trim()) throw invalid("source_code is empty");
  const result =
    sourceType === "python"
      ? await derivePythonSignature(source, name)
      : await deriveTypescriptSignature(source, { javascript: sourceType === "javascript", name });
  if (!result.ok) throw invalid(result.error);
  return result.value;
}

/** Turns a pydantic `model_json_schema()` (Letta's `args_json_schema`) into function parameters. */
function parametersFromArgsSchema(argsSchema: Record<string, unknown>): Record<string, unknown> {
  const properties = argsSchema.properties;
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    throw invalid("args_json_schema must be a JSON schema object with `properties`");
  }
  const cleaned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
    const { title: _title, ...rest } = (value ?? {}) as Record<string, unknown>;
    cleaned[key] = rest;
  }
  const parameters: Record<string, unknown> = {
    type: "object",
    properties: cleaned,
    required: Array.isArray(argsSchema.required) ? argsSchema.required : [],
  };
  if (argsSchema.$defs) parameters.$defs = argsSchema.$defs;
  return parameters;
}

/** Refuses a schema whose arguments the function cannot take, or that leaves a required parameter out. */
function checkSchemaMatches(schema: ToolJsonSchema, signature: DerivedSignature): void {
  const parameters = (schema.parameters ?? {}) as { properties?: unknown; required?: unknown };
  const properties = Object.keys((parameters.properties ?? {}) as Record<string, unknown>).filter(
    (key) => !LOOP_ARGUMENTS.has(key),
  );
  if (!signature.varKeywords) {
    const unknown = properties.filter((key) => !signature.paramNames.includes(key));
    if (unknown.length > 0) {
      throw invalid(
        `json_schema does not match function '${signature.name}': it has no parameter ${unknown.map((key) => `'${key}'`).join(", ")}`,
      );
    }
  }
  const missing = signature.parameters.required.filter((key) => !properties.includes(key));
  if (missing.length > 0) {
    throw invalid(
      `json_schema does not match function '${signature.name}': its required parameter ${missing.map((key) => `'${key}'`).join(", ")} is not in the schema`,
    );
  }
}

/**
 * Builds a tool's definition from its source as Letta does: the given `json_schema` (checked against the
 * function), else parameters from `args_json_schema`, else derived from the signature and docstring.
 */
export async function defineToolFromSource(input: ToolSourceInput): Promise<ToolDefinition> {
  const given = input.json_schema;
  if (given) {
    if (typeof given.name !== "string" || !given.name) throw invalid("json_schema needs a `name`");
    if (
      given.parameters !== undefined &&
      (typeof given.parameters !== "object" || given.parameters === null)
    ) {
      throw invalid("json_schema.parameters must be an object");
    }
    const signature = await readSignature(input.source_code, input.source_type, given.name);
    const schema = given as ToolJsonSchema;
    checkSchemaMatches(schema, signature);
    const description =
      input.description ?? (typeof given.description === "string" ? given.description : null);
    return { name: signature.name, description, json_schema: schema, signature };
  }
  const signature = await readSignature(input.source_code, input.source_type, input.name);
  const description = input.description ?? (signature.description || null);
  let parameters: Record<string, unknown> = signature.parameters;
  if (input.args_json_schema) {
    parameters = parametersFromArgsSchema(input.args_json_schema);
    checkSchemaMatches({ name: signature.name, parameters }, signature);
  }
  const json_schema: ToolJsonSchema = {
    name: signature.name,
    description: description ?? "",
    parameters,
  };
  return { name: signature.name, description, json_schema, signature };
}
