import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Log } from "../domain/index.js";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { ProviderHealth } from "../llm/provider-health.js";
import type { Services } from "../runtime/services.js";
import type { CpuPool } from "../runtime/workers/cpu-pool.js";
import { allowedMethodsOf } from "./allowed-methods.js";
import { adminRoutes } from "./auth/admin-routes.js";
import type { ApiKeyService } from "./auth/api-keys.js";
import { apiKeyAuth } from "./auth/middleware.js";
import { errorResponse } from "./errors.js";
import { createLog } from "./logging/create-log.js";
import { requestLog } from "./logging/request-log.js";
import { mountMcpEndpoint } from "./mcp/mcp-endpoint.js";
import { buildOpenApiDocument } from "./openapi.js";
import { type ProtectionOptions, protection } from "./protection/protection.js";
import { type AnyRoute, mountRoutes } from "./route.js";
import { agentFileRoutes } from "./routes/agent-file.js";
import { agentRoutes } from "./routes/agents.js";
import { archiveRoutes } from "./routes/archives.js";
import { blockRoutes } from "./routes/blocks.js";
import { mountCloudOnlyRoutes } from "./routes/cloud-only.js";
import { contextRoutes } from "./routes/context.js";
import { conversationRoutes } from "./routes/conversations.js";
import { coreMemoryRoutes } from "./routes/core-memory.js";
import { folderAndFileRoutes } from "./routes/folders.js";
import { groupRoutes } from "./routes/groups.js";
import { healthRoutes } from "./routes/health.js";
import { identityRoutes } from "./routes/identities.js";
import { mcpServerRoutes } from "./routes/mcp-servers.js";
import { messageSearchRoutes } from "./routes/message-search.js";
import { messageRoutes } from "./routes/messages.js";
import { modelRoutes } from "./routes/models.js";
import { passageRoutes } from "./routes/passages.js";
import { providerRoutes } from "./routes/providers.js";
import { runRoutes } from "./routes/runs.js";
import { sleeptimeRoutes } from "./routes/sleeptime.js";
import { mountStreamingRoutes, type StreamingRouteOptions, streamingRoutes } from "./routes/streaming.js";
import { tagRoutes } from "./routes/tags.js";
import { toolRoutes } from "./routes/tools.js";
import { provideCpuPool } from "./validation.js";
import { mountDocs } from "./web/docs.js";
import { defaultWebRoot, mountWebApp } from "./web/web-app.js";

/** Default request body limit: 10 MB. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Default body limit of an Agent File import: 100 MB. */
export const DEFAULT_MAX_IMPORT_BYTES = 100 * 1024 * 1024;

const IMPORT_PATH = /^\/v1\/agents\/import\/?$/;

/** What the HTTP app is built from. */
export interface AppDeps {
  services: Services;
  registry: ModelRegistry;
  /** Probes the configured providers for `/v1/health` (without it, health lists no probe results). */
  providerHealth?: ProviderHealth;
  /** `letta` is the API version reported by `/v1/health` (clients compare it); `reverie` our own. */
  version: { letta: string; reverie: string };
  /** Largest accepted request body in bytes (default 10 MB); larger ones get a 413. */
  maxBodyBytes?: number;
  /** Largest accepted Agent File import (default 100 MB, never below `maxBodyBytes`). */
  maxImportBytes?: number;
  /** The structured log: a line per request, and internal errors (default: warnings and errors to stderr). */
  log?: Log;
  /** Worker threads where large request bodies are parsed (in place without it). */
  cpu?: CpuPool | undefined;
  /** Check every response against its schema (for tests: keeps the OpenAPI document honest). */
  validateResponses?: boolean;
  /** SSE settings (the ping interval). */
  streaming?: StreamingRouteOptions;
  /** The built web app served at `/` (default: the package's `dist/web`); false serves none. */
  webRoot?: string | false;
  /** Allowed hosts and CORS origins (default: loopback hosts only, no cross-origin access). */
  protection?: ProtectionOptions;
  /** API keys: once any exists (or `REVERIE_API_KEY` is set) every API request needs one. */
  auth?: ApiKeyService;
}

/** Every route the app serves, in matching order (fixed paths before parameterised ones). */
export function appRoutes(
  deps: Pick<AppDeps, "services" | "registry" | "version" | "auth" | "providerHealth">,
): AnyRoute[] {
  return [
    ...healthRoutes(deps.version, deps.registry, deps.providerHealth),
    ...agentFileRoutes(deps.services),
    ...agentRoutes(deps.services),
    ...coreMemoryRoutes(deps.services),
    ...messageRoutes(deps.services),
    ...messageSearchRoutes(deps.services),
    ...runRoutes(deps.services),
    ...streamingRoutes(deps.services),
    ...toolRoutes(deps.services),
    ...mcpServerRoutes(deps.services),
    ...folderAndFileRoutes(deps.services),
    ...contextRoutes(deps.services),
    ...blockRoutes(deps.services),
    ...conversationRoutes(deps.services),
    ...modelRoutes(deps.services.models),
    ...providerRoutes(deps.services),
    ...identityRoutes(deps.services),
    ...tagRoutes(deps.services),
    ...groupRoutes(deps.services),
    ...sleeptimeRoutes(deps.services),
    ...archiveRoutes(deps.services),
    ...passageRoutes(deps.services),
    ...(deps.auth ? adminRoutes(deps.auth) : []),
  ];
}

/** The Letta-compatible HTTP API as a Hono app (serve it with `startServer`, or call `app.request`). */
export function createApp(deps: AppDeps): Hono {
  const log = deps.log ?? createLog({ level: "warn" });
  // strict: false serves `/v1/agents` and `/v1/agents/` alike (the SDK and letta-code differ).
  const app = new Hono({ strict: false });
  const routes = appRoutes(deps);
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Outermost: every request gets its trace id and its log line, refused ones included.
  app.use("*", requestLog(log));
  // First of all: a request refused here (foreign Host or Origin, form body) reaches no handler.
  app.use("*", protection(routes, deps.protection));
  if (deps.auth) app.use("*", apiKeyAuth(deps.auth));

  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        c.header("x-should-retry", "false");
        return c.json({ detail: `Request body too large: the limit is ${maxSize} bytes` }, 413);
      },
    });
  const generalLimit = limitOf(maxBodyBytes);
  // Agent Files with their history are far larger than any other request.
  const importLimit = limitOf(deps.maxImportBytes ?? Math.max(maxBodyBytes, DEFAULT_MAX_IMPORT_BYTES));
  app.use("*", (c, next) => (IMPORT_PATH.test(c.req.path) ? importLimit : generalLimit)(c, next));
  if (deps.cpu) app.use("*", provideCpuPool(deps.cpu));

  const document = buildOpenApiDocument(routes, {
    title: "Reverie (Letta-compatible API)",
    version: deps.version.reverie,
    lettaVersion: deps.version.letta,
  });
  app.get("/openapi.json", (c) => c.json(document));
  // Before the JSON routes: a send without `streaming` falls through to the JSON `send_message`.
  mountStreamingRoutes(app, deps.services, deps.streaming);
  mountRoutes(app, routes, { validateResponses: deps.validateResponses ?? false });
  mountMcpEndpoint(app, deps.services);
  mountCloudOnlyRoutes(app);
  const webRoot = deps.webRoot === undefined ? defaultWebRoot() : deps.webRoot;
  if (webRoot !== false) {
    mountDocs(app, webRoot);
    mountWebApp(app, webRoot);
  }

  const allowedMethods = allowedMethodsOf(routes);
  app.notFound((c) => {
    c.header("x-should-retry", "false");
    const allowed = allowedMethods(c.req.path);
    if (allowed !== undefined && !allowed.includes(c.req.method)) {
      c.header("allow", allowed.join(", "));
      return c.json({ detail: "Method Not Allowed" }, 405);
    }
    return c.json({ detail: "Not Found" }, 404);
  });
  app.onError((error, c) => errorResponse(c, error, log));
  return app;
}
