import type { Context, MiddlewareHandler } from "hono";
import type { AnyRoute } from "../route.js";
import {
  type AllowedHost,
  type Authority,
  isAllowedHost,
  type LocalEndpoint,
  parseAllowedHosts,
  parseAuthority,
} from "./host-allowlist.js";
import { isSameOrigin, normalizeOrigin, parseCorsOrigins } from "./origins.js";

/** How the server protects itself from web pages (a page's requests, DNS rebinding). */
export interface ProtectionOptions {
  /** Hosts served besides loopback and the bound host (`REVERIE_ALLOWED_HOSTS`). */
  allowedHosts?: readonly AllowedHost[];
  /** Origins whose pages may call the API cross-origin (`REVERIE_CORS_ORIGINS`); none by default. */
  corsOrigins?: readonly string[];
  /** The address or name the server is bound to (`--host`); a non-wildcard one is an allowed host. */
  boundHost?: string;
}

/** Reads `REVERIE_ALLOWED_HOSTS` and `REVERIE_CORS_ORIGINS`; throws on a malformed entry. */
export function protectionFromEnvironment(
  env: Record<string, string | undefined>,
  boundHost?: string,
): ProtectionOptions {
  return {
    allowedHosts: parseAllowedHosts(env.REVERIE_ALLOWED_HOSTS),
    corsOrigins: parseCorsOrigins(env.REVERIE_CORS_ORIGINS),
    ...(boundHost === undefined ? {} : { boundHost }),
  };
}

// Only the methods the API routes take a body with are checked; any other method (TRACE, QUERY...) goes
// on to the router, which answers 405 for it.
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const PREFLIGHT_METHODS = "GET, POST, PUT, PATCH, DELETE";
const PREFLIGHT_HEADERS = ["Authorization", "Content-Type"];
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/**
 * One middleware, before every handler, so a refused request writes nothing:
 * 1. the `Host` header must be allowed (DNS rebinding);
 * 2. CORS preflights are answered: 204 for a listed origin, 403 otherwise;
 * 3. a request that can change something (not GET/HEAD/OPTIONS) carrying a foreign `Origin` is refused,
 *    so a page cannot post a form or a no-cors fetch, whatever its content type;
 * 4. its body must be `application/json` (multipart routes: `multipart/form-data` or JSON), since a page
 *    can send text/plain, form and multipart bodies without a preflight;
 * 5. a listed origin gets `Access-Control-Allow-Origin` on the response.
 */
export function protection(routes: readonly AnyRoute[], options: ProtectionOptions = {}): MiddlewareHandler {
  const hostPolicy = { allowed: options.allowedHosts ?? [], boundHost: options.boundHost };
  const corsOrigins = new Set(options.corsOrigins ?? []);
  const multipartPatterns = routes
    .filter((route) => route.multipart !== undefined)
    .map((route) => ({ method: route.method.toUpperCase(), pattern: pathPattern(route.path) }));
  const isMultipartRoute = (method: string, path: string) =>
    multipartPatterns.some((route) => route.method === method && route.pattern.test(path));
  // Another method than the upload's own on an upload path (PUT .../upload) is the router's 405. Only
  // POST can reach here from a web page without a preflight, so POST is always checked.
  const isOtherMethodOnUploadPath = (method: string, path: string) =>
    method !== "POST" &&
    multipartPatterns.some((route) => route.method !== method && route.pattern.test(path));

  return async (c, next) => {
    const authority = requestAuthority(c);
    const lineHost = requestLineAuthority(c);
    const local = localEndpoint(c);
    if (
      authority === null ||
      lineHost === null ||
      !isAllowedHost(authority.parsed, hostPolicy, local) ||
      (lineHost !== undefined && !isAllowedHost(lineHost, hostPolicy, local))
    ) {
      return refuse(c, 403, "this host is not allowed; add it to REVERIE_ALLOWED_HOSTS");
    }

    const origin = c.req.header("origin");
    const listedOrigin =
      origin !== undefined && corsOrigins.has(normalizeOrigin(origin) ?? "") ? origin : null;
    const method = c.req.method.toUpperCase();

    if (method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method")) {
      if (listedOrigin === null) {
        return refuse(c, 403, `the origin ${origin} is not allowed; add it to REVERIE_CORS_ORIGINS`);
      }
      return new Response(null, { status: 204, headers: preflightHeaders(listedOrigin, c) });
    }

    if (BODY_METHODS.has(method)) {
      if (origin !== undefined && listedOrigin === null && !isSameOrigin(origin, authority.text)) {
        return refuse(
          c,
          403,
          `cross-origin requests from ${origin} are not allowed; add it to REVERIE_CORS_ORIGINS`,
        );
      }
      const multipart = isMultipartRoute(method, c.req.path);
      const refusal = isOtherMethodOnUploadPath(method, c.req.path) ? null : contentTypeRefusal(c, multipart);
      if (refusal !== null) return refuse(c, 415, refusal);
    }

    await next();
    if (corsOrigins.size > 0) addCorsHeaders(c, listedOrigin);
    return undefined;
  };
}

/** The Host the client addressed: the header, or for in-process requests the URL's host. */
function requestAuthority(c: Context): { text: string; parsed: Authority } | null {
  const text = c.req.header("host") ?? new URL(c.req.url).host;
  const parsed = parseAuthority(text);
  return parsed === null ? null : { text, parsed };
}

/**
 * The host named by an absolute-form request line (`GET http://x/... HTTP/1.1`), which @hono/node-server
 * puts in the URL in place of the Host header: it must pass too. Null for the usual `GET /path`.
 */
function requestLineAuthority(c: Context): Authority | null | undefined {
  const env = c.env as { incoming?: { url?: unknown } } | undefined;
  const target = env?.incoming?.url;
  if (typeof target !== "string" || !/^https?:\/\//i.test(target)) return undefined;
  return parseAuthority(new URL(c.req.url).host);
}

/** The socket's local address and port under @hono/node-server; null in process (`app.request`). */
function localEndpoint(c: Context): LocalEndpoint | null {
  const env = c.env as
    | { incoming?: { socket?: { localAddress?: unknown; localPort?: unknown } } }
    | undefined;
  const socket = env?.incoming?.socket;
  if (typeof socket?.localPort !== "number") return null;
  return {
    address: typeof socket.localAddress === "string" ? socket.localAddress : "",
    port: socket.localPort,
  };
}

/** Why the body's content type is refused, or null when it is acceptable. */
function contentTypeRefusal(c: Context, multipartRoute: boolean): string | null {
  const header = c.req.header("content-type");
  if (header === undefined) {
    // Letta's clients send bodyless POSTs (reset-messages, attach) with no content type at all.
    return hasBody(c) ? expected(multipartRoute) : null;
  }
  const mediaType = (header.split(";")[0] ?? "").trim().toLowerCase();
  if (mediaType === "application/json") return null;
  if (multipartRoute && mediaType === "multipart/form-data") return null;
  return expected(multipartRoute);
}

function expected(multipartRoute: boolean): string {
  return multipartRoute
    ? "send Content-Type: multipart/form-data (or application/json where the route documents it)"
    : "send Content-Type: application/json";
}

/** Whether the request carries a body (HTTP/1.1: a non-zero Content-Length or any Transfer-Encoding). */
function hasBody(c: Context): boolean {
  if (c.req.header("transfer-encoding") !== undefined) return true;
  const length = c.req.header("content-length");
  if (length !== undefined) return length.trim() !== "0";
  // Served over a socket, neither header means no body; in process, ask the Request itself.
  return localEndpoint(c) === null && c.req.raw.body !== null;
}

function preflightHeaders(origin: string, c: Context): Headers {
  const requested = (c.req.header("access-control-request-headers") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => HEADER_TOKEN.test(name));
  const headers = new Headers({
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": PREFLIGHT_METHODS,
    "Access-Control-Allow-Headers": [...new Set([...PREFLIGHT_HEADERS, ...requested])].join(", "),
    "Access-Control-Max-Age": "600",
    Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  });
  return headers;
}

/** `Vary: Origin`, and for a listed origin `Access-Control-Allow-Origin`, on the final response. */
function addCorsHeaders(c: Context, listedOrigin: string | null): void {
  const apply = (headers: Headers) => {
    if (listedOrigin !== null) headers.set("Access-Control-Allow-Origin", listedOrigin);
    headers.append("Vary", "Origin");
  };
  try {
    apply(c.res.headers);
  } catch {
    // A redirect's or a fetched response's headers are immutable: answer with a copy.
    const copy = new Response(c.res.body, c.res);
    apply(copy.headers);
    c.res = undefined;
    c.res = copy;
  }
}

function refuse(c: Context, status: 403 | 415, detail: string): Response {
  c.header("x-should-retry", "false");
  return c.json({ detail }, status);
}

/** A route path (`/v1/folders/{folder_id}/upload`) as a regex over request paths, trailing slash optional. */
function pathPattern(path: string): RegExp {
  const escaped = path
    .replace(/\/$/, "")
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${escaped}/?$`);
}
