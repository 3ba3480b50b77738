import type { Context } from "hono";
import type { z } from "zod";
import { stripNul } from "../domain/index.js";

// The parameter schemas are request shapes, defined once in the domain.
export { queryArray, queryBoolean, queryInt } from "../domain/index.js";

/**
 * The raw query of a request, shaped for `schema`: array fields collect every value of `key` and
 * `key[]`, scalar fields take the last non-empty value (see emptyMeansAbsent for an empty one); parameters the schema does not name are dropped.
 */
export function rawQuery(c: Context, schema: z.ZodObject): Record<string, unknown> {
  const all = c.req.queries();
  const raw: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const values = [...(all[key] ?? []), ...(all[`${key}[]`] ?? [])].map(stripNul);
    if (isArraySchema(field as z.ZodType)) {
      if (values.length > 0) raw[key] = values;
    } else {
      // An empty value of an optional free-text parameter means "not given" (clients send `?before=`).
      // Elsewhere it is the empty string, checked like any value: `?query=` searches for nothing, and
      // `?order=` or `?limit=` are a 422, as the document's enum and integer types say.
      const value = values.filter((entry) => entry !== "").at(-1);
      if (value !== undefined) raw[key] = value;
      else if (values.length > 0 && !emptyMeansAbsent(field as z.ZodType)) raw[key] = "";
    }
  }
  return raw;
}

/** Whether `?key=` may be read as "not given": the parameter is optional and would accept "" anyway. */
function emptyMeansAbsent(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success && schema.safeParse("").success;
}

/** Whether a schema, once optional/default/nullable wrappers are removed, is an array. */
function isArraySchema(schema: z.ZodType): boolean {
  let current: z.ZodType = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.type === "array") return true;
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (inner === undefined) return false;
    current = inner;
  }
}
