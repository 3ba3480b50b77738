import type { Hono } from "hono";

/**
 * Letta Cloud features Reverie does not serve. Clients such as letta-code probe some of them and
 * tolerate a 404; the detail tells a person reading logs why the route is missing.
 */
export const CLOUD_ONLY_PATHS = [
  "/v1/agents/:agent_id/secrets",
  "/v1/agents/:agent_id/mcp-servers",
  "/v1/agents/:agent_id/repositories",
  "/v1/metadata",
  "/v1/providers/connect",
  "/v1/providers/chatgpt-usage",
  "/v1/templates",
  "/v1/client-side-access-tokens",
  "/v1/environments",
] as const;

/** The 404 detail of a Letta Cloud route. */
export function cloudOnlyDetail(path: string): string {
  return `${path} is a Letta Cloud feature that Reverie does not serve`;
}

/**
 * Answers every Cloud-only route (and everything below it) with a 404 whose `detail` says so.
 * Mount it after the served routes, so a route Reverie implements later takes precedence.
 */
export function mountCloudOnlyRoutes(app: Hono): void {
  for (const path of CLOUD_ONLY_PATHS) {
    for (const pattern of [path, `${path}/*`]) {
      app.all(pattern, (c) => {
        c.header("x-should-retry", "false");
        return c.json({ detail: cloudOnlyDetail(c.req.path) }, 404);
      });
    }
  }
}
