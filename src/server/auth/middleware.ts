import type { Context, MiddlewareHandler } from "hono";
import { withOrganization } from "../../store/tenancy.js";
import type { ApiKeyService, Principal } from "./api-keys.js";

declare module "hono" {
  interface ContextVariableMap {
    /** Who the request authenticated as (set by the auth middleware when keys are required). */
    principal: Principal;
  }
}

/** Paths of the API itself; GETs elsewhere are the web app's shell, its assets and the docs. */
const API_PATH = /^\/(v1|mcp)(\/|$)/i;
const HEALTH_PATH = /^\/v1\/health\/?$/i;
/** The MCP OAuth callback: a browser redirect from the authorization server, carrying no key; its
 * single-use `state` names the organization and server, and is checked against the pending one. */
const OAUTH_CALLBACK_PATH = /^\/v1\/tools\/mcp\/oauth\/callback\/?$/i;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const MISSING =
  "Missing API key: send Authorization: Bearer <key> (create a key with `reverie keys create`, or set REVERIE_API_KEY on the server)";
const INVALID =
  "Invalid API key (unknown, malformed, revoked or expired): send Authorization: Bearer <key> with a valid key";

/** Whether a request may go without a key: the health check, CORS preflights and the web app's files. */
export function isPublicRequest(method: string, path: string): boolean {
  if (method === "OPTIONS") return true;
  if (method !== "GET" && method !== "HEAD") return false;
  return HEALTH_PATH.test(path) || OAUTH_CALLBACK_PATH.test(path) || !API_PATH.test(path);
}

/**
 * Checks `Authorization: Bearer <key>` on every request but the public ones, once keys are required
 * (see {@link ApiKeyService.required}), and runs the rest of the request in the key's organization, so
 * the handler and everything it starts see only that organization's objects. Without keys (local use)
 * requests run in the default organization.
 */
export function apiKeyAuth(keys: ApiKeyService): MiddlewareHandler {
  return async (c, next) => {
    if (isPublicRequest(c.req.method, c.req.path)) return next();
    if (!(await keys.required())) return next();
    const header = c.req.header("authorization");
    if (header === undefined || header.trim() === "") return unauthorized(c, MISSING);
    const presented = BEARER.exec(header)?.[1];
    const principal = presented === undefined ? undefined : await keys.authenticate(presented);
    if (principal === undefined) return unauthorized(c, INVALID);
    c.set("principal", principal);
    return withOrganization(principal.organization_id, () => next());
  };
}

function unauthorized(c: Context, detail: string): Response {
  c.header("www-authenticate", 'Bearer realm="reverie"');
  c.header("x-should-retry", "false");
  return c.json({ detail }, 401);
}
