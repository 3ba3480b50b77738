import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ModelRegistry } from "../llm/model-registry.js";
import type { Services } from "../runtime/services.js";
import { consoleLogger, errorResponse, type ServerLogger } from "./errors.js";
import { buildOpenApiDocument } from "./openapi.js";
import { type AnyRoute, mountRoutes } from "./route.js";
import { agentRoutes } from "./routes/agents.js";
import { blockRoutes } from "./routes/blocks.js";
import { mountCloudOnlyRoutes } from "./routes/cloud-only.js";
import { contextRoutes } from "./routes/context.js";
import { conversationRoutes } from "./routes/conversations.js";
import { coreMemoryRoutes } from "./routes/core-memory.js";
import { healthRoutes } from "./routes/health.js";
import { messageRoutes } from "./routes/messages.js";
import { modelRoutes } from "./routes/models.js";
import { runRoutes } from "./routes/runs.js";
import { mountStreamingRoutes, type StreamingRouteOptions, streamingRoutes } from "./routes/streaming.js";
import { tagRoutes } from "./routes/tags.js";
import { toolRoutes } from "./routes/tools.js";

/** Default request body limit: 10 MB. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What the HTTP app is built from. */
export interface AppDeps {
  services: Services;
  registry: ModelRegistry;
  /** `letta` is the API version reported by `/v1/health` (clients compare it); `reverie` our own. */
  version: { letta: string; reverie: string };
  /** Largest accepted request body in bytes (default 10 MB); larger ones get a 413. */
  maxBodyBytes?: number;
  logger?: ServerLogger;
  /** Check every response against its schema (for tests: keeps the OpenAPI document honest). */
  validateResponses?: boolean;
  /** SSE settings (the ping interval). */
  streaming?: StreamingRouteOptions;
}

/** Every route the app serves, in matching order (fixed paths before parameterised ones). */
export function appRoutes(deps: Pick<AppDeps, "services" | "registry" | "version">): AnyRoute[] {
  return [
    ...healthRoutes(deps.version, deps.registry),
    ...agentRoutes(deps.services),
    ...coreMemoryRoutes(deps.services),
    ...messageRoutes(deps.services),
    ...runRoutes(deps.services),
    ...streamingRoutes(deps.services),
    ...toolRoutes(deps.services),
    ...contextRoutes(deps.services),
    ...blockRoutes(deps.services),
    ...conversationRoutes(deps.services),
    ...modelRoutes(deps.registry),
    ...tagRoutes(deps.services),
  ];
}

/** The Letta-compatible HTTP API as a Hono app (serve it with `startServer`, or call `app.request`). */
export function createApp(deps: AppDeps): Hono {
  const logger = deps.logger ?? consoleLogger;
  // strict: false serves `/v1/agents` and `/v1/agents/` alike (the SDK and letta-code differ).
  const app = new Hono({ strict: false });
  const routes = appRoutes(deps);
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  app.use(
    "*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        c.header("x-should-retry", "false");
        return c.json({ detail: `Request body too large: the limit is ${maxBodyBytes} bytes` }, 413);
      },
    }),
  );

  const document = buildOpenApiDocument(routes, {
    title: "Reverie (Letta-compatible API)",
    version: deps.version.reverie,
    lettaVersion: deps.version.letta,
  });
  app.get("/openapi.json", (c) => c.json(document));
  // Before the JSON routes: a send without `streaming` falls through to the JSON `send_message`.
  mountStreamingRoutes(app, deps.services, deps.streaming);
  mountRoutes(app, routes, { validateResponses: deps.validateResponses ?? false });
  mountCloudOnlyRoutes(app);

  app.notFound((c) => {
    c.header("x-should-retry", "false");
    return c.json({ detail: "Not Found" }, 404);
  });
  app.onError((error, c) => errorResponse(c, error, logger));
  return app;
}
