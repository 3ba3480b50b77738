import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Log, ReverieError } from "../domain/index.js";
import { traceIdFor } from "./logging/request-log.js";

/** The `{"detail": ...}` response of an error (Letta's FastAPI shape), with its extra fields. */
export function errorResponse(c: Context, error: unknown, log: Log): Response {
  if (error instanceof ReverieError) return reverieErrorResponse(c, error);
  if (error instanceof HTTPException && error.status < 500) {
    return jsonError(c, error.status, { detail: error.message || "Bad request" });
  }
  // The request's own trace id: the 500's body, its request line and this entry share it.
  const traceId = traceIdFor(c);
  log.error(
    {
      trace_id: traceId,
      method: c.req.method,
      path: c.req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    },
    "internal error",
  );
  return jsonError(c, 500, { detail: "Internal server error", trace_id: traceId });
}

function reverieErrorResponse(c: Context, error: ReverieError): Response {
  const body = { ...error.details, detail: error.message };
  // A retry cannot fix a bad request; only "busy" may clear by itself (the SDK retries 409 by default).
  if (error.status < 500 && error.code !== "busy") c.header("x-should-retry", "false");
  return jsonError(c, error.status, body);
}

function jsonError(c: Context, status: number, body: Record<string, unknown>): Response {
  return c.json(body, status as ContentfulStatusCode);
}
