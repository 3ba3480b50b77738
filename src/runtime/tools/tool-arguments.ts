import type { Result } from "../../domain/index.js";

/**
 * Parses the model's argument JSON for a call. An empty string means no arguments; anything that is
 * not a JSON object is refused with a message the model can act on.
 */
export function parseToolArguments(toolName: string, raw: string): Result<Record<string, unknown>> {
  if (raw.trim() === "") return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return {
      ok: false,
      error: `Error: the arguments of ${toolName} are not valid JSON (${(error as Error).message}). Call the tool again with a JSON object.`,
    };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, error: `Error: the arguments of ${toolName} must be a JSON object.` };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

interface PropertySchema {
  type?: string;
  items?: PropertySchema;
}

function typeMatches(value: unknown, schema: PropertySchema): boolean {
  switch (schema.type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return (
        Array.isArray(value) &&
        (!schema.items || value.every((item) => typeMatches(item, schema.items ?? {})))
      );
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * Checks arguments against a tool's JSON schema (required fields, basic types); nulls count as absent.
 * Enumerations are left to the tools, whose own messages (Letta's, for `memory`) say what is allowed. Extra fields are dropped, since models often add `request_heartbeat` or stray keys.
 */
export function checkToolArguments(
  toolName: string,
  parameters: Record<string, unknown> | undefined,
  args: Record<string, unknown>,
): Result<Record<string, unknown>> {
  const properties = (parameters?.properties ?? {}) as Record<string, PropertySchema>;
  const required = (parameters?.required ?? []) as string[];
  const missing = required.filter((name) => args[name] === undefined || args[name] === null);
  if (missing.length > 0) {
    return {
      ok: false,
      error: `Error: ${toolName}() missing required argument(s): ${missing.map((name) => `'${name}'`).join(", ")}`,
    };
  }
  const checked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    const schema = properties[name];
    if (!schema || value === null || value === undefined) continue;
    if (!typeMatches(value, schema)) {
      return { ok: false, error: `Error: argument '${name}' of ${toolName} must be of type ${schema.type}.` };
    }
    checked[name] = value;
  }
  return { ok: true, value: checked };
}
