import { existsSync } from "node:fs";
import { join } from "node:path";
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

/** The files the page loads, and Swagger UI's licence notices beside them. */
const ASSETS = /^(swagger-ui-bundle\.js|swagger-ui\.css|swagger-ui-bundle\.js\.LICENSE\.txt|LICENSE)$/;

/**
 * `/docs`: Swagger UI rendering `/openapi.json`. Its files are copied into the web app's build
 * (`<webRoot>/docs`) from the `swagger-ui-dist` package at build time and served from here, no CDN.
 */
export function mountDocs(app: Hono, webRoot: string): void {
  const directory = join(webRoot, "docs");
  const assets = createStaticFiles(directory, () => "public, max-age=86400");
  const page = (body: string, type: string) => () =>
    new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } });
  app.get("/docs", (c) => {
    if (!existsSync(join(directory, "swagger-ui-bundle.js"))) {
      return c.text(
        "The API reference is built with the web app: run `npm run build`. The OpenAPI document is at /openapi.json.\n",
        503,
      );
    }
    return page(PAGE, "text/html; charset=utf-8")();
  });
  app.get("/docs/init.js", page(INIT, "text/javascript; charset=utf-8"));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    if (!ASSETS.test(file)) return c.json({ detail: "Not Found" }, 404);
    return (await assets.respond(c, file)) ?? c.json({ detail: "Not Found" }, 404);
  });
}
