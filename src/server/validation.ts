import type { Context } from "hono";
import type { z } from "zod";
import { parseRequestJson, ReverieError } from "../domain/index.js";

type Where = "body" | "query";

/** Parses `value` with `schema`; failure is a 422 whose detail names every bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    loc: [where, ...issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))],
    msg: issue.message,
    type: issue.code,
  }));
  const detail = errors
    .map((error) => {
      const field = formatPath(error.loc.slice(1));
      return field === "" ? error.msg : `${field}: ${error.msg}`;
    })
    .join("; ");
  throw new ReverieError("validation", `Invalid ${where}: ${detail}`, { details: { errors } });
}

function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : text === "" ? part : `${text}.${part}`),
    "",
  );
}

/**
 * The JSON body of a request; an empty body counts as `{}`, malformed JSON is a 400, nesting deeper than
 * MAX_JSON_DEPTH a 422, and NUL is removed from every string (see `stripNul`).
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return parseRequestJson(text, "The JSON body");
  } catch (error) {
    if (error instanceof ReverieError) throw error;
    throw new ReverieError("invalid_argument", `Invalid JSON body: ${(error as Error).message}`);
  }
}
