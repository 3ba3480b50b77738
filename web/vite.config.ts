import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const outDir = fileURLToPath(new URL("../dist/web", import.meta.url));

/**
 * Copies Swagger UI's two files into the build (dist/web/docs), where the server serves `/docs` from:
 * the package is needed only to build, so installing Reverie never installs it (nor its dependencies).
 */
function swaggerUi(): Plugin {
  return {
    name: "reverie-swagger-ui",
    apply: "build",
    closeBundle() {
      const from = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
      const to = join(outDir, "docs");
      mkdirSync(to, { recursive: true });
      for (const file of [
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui.css",
        "LICENSE",
      ]) {
        copyFileSync(join(from, file), join(to, file));
      }
    },
  };
}

// Built into the package's dist/web, which the server serves at `/` (hashed assets are immutable).
export default defineConfig({
  plugins: [react(), swaggerUi()],
  base: "/",
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
