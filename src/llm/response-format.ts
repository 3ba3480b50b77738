import type { Metadata } from "../domain/index.js";
import type { ResponseFormat } from "./providers/types.js";

/**
 * The provider-neutral response format of Letta's `response_format` (an agent's, or its model
 * settings'): `json_object` asks for JSON, `json_schema` for JSON of that schema; `text` and anything
 * unrecognised leave the answer free.
 */
export function responseFormatOf(format: Metadata | null | undefined): ResponseFormat | undefined {
  if (!format) return undefined;
  if (format.type === "json_object") return { type: "json" };
  if (format.type !== "json_schema") return undefined;
  const spec = format.json_schema;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return { type: "json" };
  const fields = spec as Record<string, unknown>;
  const schema = fields.schema;
  return {
    type: "json",
    ...(typeof schema === "object" &&
      schema !== null &&
      !Array.isArray(schema) && {
        schema: schema as Record<string, unknown>,
      }),
    ...(typeof fields.name === "string" && { name: fields.name }),
    ...(typeof fields.description === "string" && { description: fields.description }),
    ...(typeof fields.strict === "boolean" && { strict: fields.strict }),
  };
}
