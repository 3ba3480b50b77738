import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import { createStaticFiles } from "./static-files.js";

/**
 * Where `vite build` puts the web app: `dist/web` of the package, found from this module whether it
 * runs built (`dist/server/web/`) or from the sources (`src/server/web/`, in tests).
 */
export function defaultWebRoot(): string {
  const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  return join(packageRoot, "dist", "web");
}

/** Paths the API owns: never answered with the app's page. */
const API_PATH = /^\/(v1|openapi\.json|docs|mcp)(\/|$)/;

/**
 * The Memory Palace at `/`: the built files, with hashed assets (`/assets/*`) cached for a year as
 * immutable and everything else (index.html, the manifest, the service worker) revalidated on every
 * load, so a new build is picked up at once. When the app is not built, `/` says how to build it.
 */
export function mountWebApp(app: Hono, webRoot: string): void {
  const files = createStaticFiles(webRoot, (path) =>
    path.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
  );
  const built = () => existsSync(join(webRoot, "index.html"));

  app.on(["GET", "HEAD"], "*", async (c, next) => {
    const path = c.req.path;
    if (API_PATH.test(path)) return next();
    if (!built()) {
      if (path !== "/") return next();
      return c.text(
        "The Memory Palace web app is not built. Run `npm run build` (or `npm ci`) in the Reverie checkout.\n" +
          "The API is served at /v1 and documented at /docs.\n",
        503,
      );
    }
    const relative = path === "/" ? "index.html" : path.slice(1);
    const response = await files.respond(c, relative);
    if (response) {
      if (relative === "index.html") return withPageHeaders(response);
      return response;
    }
    return next();
  });
}

/** The page may not be framed by another site (clickjacking) and sends no referrer elsewhere. */
function withPageHeaders(response: Response): Response {
  response.headers.set("x-frame-options", "DENY");
  response.headers.set("referrer-policy", "same-origin");
  return response;
}
