import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** A worker thread (node's `Worker`). */
export type WorkerThread = Worker;

/**
 * Starts a worker thread on a module given by its compiled `.js` URL. When running from the TypeScript
 * sources (tests, `tsx` benchmarks) the `.js` file does not exist: the `.ts` beside it is loaded through
 * tsx's loader instead.
 */
export function spawnModuleWorker(compiled: URL, workerData?: unknown): WorkerThread {
  if (!import.meta.url.endsWith(".ts")) return new Worker(compiled, { workerData });
  const source = compiled.href.replace(/\.js$/, ".ts");
  // `require.resolve` would give tsx's CommonJS entry; its ESM API sits beside it.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist", "esm", "api", "index.mjs")).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, workerData });
}
