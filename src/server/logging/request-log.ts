import type { Context, MiddlewareHandler } from "hono";
import type { Log } from "../../domain/index.js";
import { traceIdOf } from "./trace-id.js";

/** The response header carrying the request's trace id. */
export const TRACE_ID_HEADER = "x-request-id";

const TRACE_ID_KEY = "reverie.traceId";

/** The trace id {@link requestLog} gave this request (a new one outside it). */
export function traceIdFor(c: Context): string {
  const known: unknown = c.get(TRACE_ID_KEY);
  if (typeof known === "string") return known;
  const id = traceIdOf(c.req.raw.headers);
  c.set(TRACE_ID_KEY, id);
  return id;
}

// Load balancers and the web app poll health; their lines would bury everything else at `info`.
const QUIET_ROUTES = new Set(["/v1/health/", "/v1/health"]);

/**
 * One log line per request once its response is ready (for a stream: once its headers are): method,
 * route pattern (`/v1/agents/{agent_id}`, never the raw path, so ids in paths stay out of the route
 * field and lines group by operation), status, milliseconds, trace id and the agent id of the path.
 * The trace id goes back in the `x-request-id` header.
 */
export function requestLog(log: Log): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const traceId = traceIdFor(c);
    await next();
    const ms = Math.round((performance.now() - started) * 100) / 100;
    const matched = c.req.routePath;
    // `/*` is the catch-all middleware: no route matched (a 404 or 405 from the fallback).
    const route = matched === "/*" || matched === "*" ? null : openApiPath(matched);
    const agentId = matched.includes(":agent_id") ? c.req.param("agent_id") : undefined;
    const status = c.res.status;
    const fields: Record<string, unknown> = { method: c.req.method, route, status, ms, trace_id: traceId };
    if (agentId !== undefined) fields.agent_id = agentId;
    // A 500's cause is its own `error` entry with the same trace id; the request line stays `info`.
    if (route !== null && QUIET_ROUTES.has(route)) log.debug(fields, "request");
    else log.info(fields, "request");
    c.header(TRACE_ID_HEADER, traceId);
  };
}

/** Hono's `/v1/agents/:agent_id` as the OpenAPI document spells it: `/v1/agents/{agent_id}`. */
function openApiPath(pattern: string): string {
  return pattern.replace(/:(\w+)/g, "{$1}");
}
