import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./test-app.js";

// The web app and the API reference as the server serves them: caching, compression, and paths that
// try to leave the app's directory.
describe("the web app and /docs", () => {
  let root: string;
  let built: TestApp;
  let unbuilt: TestApp;
  const script = `console.log(${JSON.stringify("x".repeat(4000))});`;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "reverie-webroot-"));
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "index.html"), "<!doctype html><title>Palace</title>");
    writeFileSync(join(root, "assets", "index-abc123.js"), script);
    writeFileSync(join(root, "manifest.webmanifest"), '{"name":"Memory Palace"}');
    writeFileSync(join(root, ".env"), "SECRET=1");
    mkdirSync(join(root, "docs"));
    writeFileSync(
      join(root, "docs", "swagger-ui-bundle.js"),
      `window.SwaggerUIBundle = () => {}; // ${"y".repeat(2000)}`,
    );
    writeFileSync(join(root, "docs", "swagger-ui.css"), "#swagger-ui { color: black; }");
    writeFileSync(join(root, "docs", "package.json"), "{}");
    writeFileSync(join(root, "..", "outside.txt"), "outside");
    built = await createTestApp({ webRoot: root });
    unbuilt = await createTestApp({ webRoot: join(root, "missing") });
  });
  afterAll(async () => {
    await built.close();
    await unbuilt.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(join(root, "..", "outside.txt"), { force: true });
  });

  it("serves index.html at / revalidated on every load, and framed by no other site", async () => {
    const response = await built.app.request("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(await response.text()).toContain("<title>Palace</title>");
  });

  it("serves hashed assets as immutable, gzipped when accepted, with an ETag", async () => {
    const plain = await built.app.request("/assets/index-abc123.js");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.get("content-type")).toContain("text/javascript");
    expect(await plain.text()).toBe(script);

    const zipped = await built.app.request("/assets/index-abc123.js", {
      headers: { "accept-encoding": "gzip, br" },
    });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString()).toBe(script);

    const etag = plain.headers.get("etag") as string;
    const again = await built.app.request("/assets/index-abc123.js", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);

    const manifest = await built.app.request("/manifest.webmanifest");
    expect(manifest.headers.get("content-type")).toContain("application/manifest+json");
    expect(manifest.headers.get("cache-control")).toBe("no-cache");
  });

  it("never serves a file outside the app's directory, or a hidden one", async () => {
    for (const path of [
      "/../outside.txt",
      "/assets/../../outside.txt",
      "/%2e%2e/outside.txt",
      "/assets/%2e%2e%2f%2e%2e%2foutside.txt",
      "/.env",
      "/assets/%00.js",
      "/%E0%A4%A",
      "/assets/..%5c..%5coutside.txt",
    ]) {
      const response = await built.app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain("outside");
    }
  });

  it("leaves the API alone: unknown API paths are JSON 404s, and the OpenAPI document is JSON", async () => {
    const missing = await built.app.request("/v1/no-such-thing");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Not Found" });
    const openapi = await built.app.request("/openapi.json");
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const health = await built.app.request("/v1/health/");
    expect(((await health.json()) as { status: string }).status).toBe("ok");
  });

  it("says how to build the app when it is not built, and the API still works", async () => {
    const response = await unbuilt.app.request("/");
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("npm run build");
    expect((await unbuilt.app.request("/v1/health/")).status).toBe(200);
    const docs = await unbuilt.app.request("/docs");
    expect(docs.status).toBe(503);
    expect(await docs.text()).toContain("/openapi.json");
  });

  it("/docs renders the OpenAPI document with Swagger UI from the build, no CDN", async () => {
    const page = await built.app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/docs/assets/swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\//);
    const init = await (await built.app.request("/docs/init.js")).text();
    expect(init).toContain('url: "/openapi.json"');
    const bundle = await built.app.request("/docs/assets/swagger-ui-bundle.js", {
      headers: { "accept-encoding": "gzip" },
    });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-encoding")).toBe("gzip");
    const css = await built.app.request("/docs/assets/swagger-ui.css");
    expect(css.headers.get("content-type")).toContain("text/css");
    for (const path of [
      "/docs/assets/package.json",
      "/docs/assets/..%2fpackage.json",
      "/docs/assets/index.html",
    ]) {
      expect((await built.app.request(path)).status, path).toBe(404);
    }
  });
});
