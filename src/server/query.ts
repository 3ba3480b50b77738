import type { Context } from "hono";
import { z } from "zod";

/** A boolean query parameter (`true`/`false`, `1`/`0`...). */
export const queryBoolean = () => z.stringbool().meta({ type: "boolean" });

/** An integer query parameter. */
export const queryInt = () => z.coerce.number().int();

/** A repeated query parameter (`?tags=a&tags=b`, also `tags[]=a`). */
export const queryArray = () => z.array(z.string());

/**
 * The raw query of a request, shaped for `schema`: array fields collect every value of `key` and
 * `key[]`, scalar fields take the last non-empty value; parameters the schema does not name are dropped.
 */
export function rawQuery(c: Context, schema: z.ZodObject): Record<string, unknown> {
  const all = c.req.queries();
  const raw: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const values = [...(all[key] ?? []), ...(all[`${key}[]`] ?? [])];
    if (isArraySchema(field as z.ZodType)) {
      if (values.length > 0) raw[key] = values;
    } else {
      const value = values.filter((entry) => entry !== "").at(-1);
      if (value !== undefined) raw[key] = value;
    }
  }
  return raw;
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
