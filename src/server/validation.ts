import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ReverieError } from "../domain/index.js";
import { type CpuPool, inlineCpu } from "../runtime/workers/cpu-pool.js";

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
 * Bodies from this size on are decoded and parsed in a worker thread: parsing 10 MB of JSON (and
 * checking its nesting) held the event loop for hundreds of milliseconds. Below it, a thread hop costs
 * more than the parse.
 */
export const PARSE_IN_WORKER_FROM = 1024 * 1024;

const CPU_POOL = "reverie.cpu";

/** Makes the app's CPU pool available to {@link readJsonBody} (the routes' handlers take no pool). */
export function provideCpuPool(cpu: CpuPool): MiddlewareHandler {
  return async (c, next) => {
    c.set(CPU_POOL, cpu);
    await next();
  };
}

/**
 * The JSON body of a request; an empty body counts as `{}`, malformed JSON is a 400, nesting deeper than
 * MAX_JSON_DEPTH a 422, and NUL is removed from every string (see `parseRequestJson`). Large bodies are
 * parsed off the event loop.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const cpu = (c.get(CPU_POOL) as CpuPool | undefined) ?? inlineCpu;
  try {
    return await cpu.run(
      "parseJsonBody",
      { bytes, what: "The JSON body" },
      { size: bytes.byteLength, offloadFrom: PARSE_IN_WORKER_FROM },
    );
  } catch (error) {
    if (error instanceof ReverieError) throw error;
    throw new ReverieError("invalid_argument", `Invalid JSON body: ${(error as Error).message}`);
  }
}
