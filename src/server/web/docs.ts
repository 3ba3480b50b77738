import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Hono } from "hono";
import { createStaticFiles } from "./static-files.js";

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Reverie API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: true,
});
`;

/** The directory of the `swagger-ui-dist` package, served from this server (no CDN). */
function swaggerUiDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

/** `/docs`: Swagger UI rendering `/openapi.json`, its assets served from the installed package. */
export function mountDocs(app: Hono): void {
  const assets = createStaticFiles(swaggerUiDirectory(), () => "public, max-age=86400");
  const page = (body: string, type: string) => () =>
    new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } });
  app.get("/docs", page(PAGE, "text/html; charset=utf-8"));
  app.get("/docs/init.js", page(INIT, "text/javascript; charset=utf-8"));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    // Only what the page loads: the package also holds other bundles and source maps.
    if (!/^swagger-ui(-bundle\.js|\.css)$/.test(file)) return c.json({ detail: "Not Found" }, 404);
    return (await assets.respond(c, file)) ?? c.json({ detail: "Not Found" }, 404);
  });
}
