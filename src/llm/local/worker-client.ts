import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { EmbedRequest, EmbedResponse, LoadedModel } from "./worker-protocol.js";

/** Runs embedding batches in a worker thread. */
export interface EmbeddingWorker {
  /** The batch's vectors, in order. */
  embed(model: LoadedModel, texts: string[]): Promise<number[][]>;
  /** Stops the thread; pending batches fail. */
  close(): Promise<void>;
}

export interface EmbeddingWorkerOptions {
  /** ONNX Runtime threads for one batch (default 1: a core stays free for requests). */
  threads?: number | undefined;
  /** Batches waiting at most; more are refused at once rather than queued without bound (default 256). */
  maxQueued?: number | undefined;
}

interface Pending {
  resolve: (vectors: number[][]) => void;
  reject: (error: Error) => void;
}

/**
 * The thread starts on the first batch and is `unref`'d while idle, so it never keeps a process alive; a
 * crashed thread fails its batches and is started again by the next one.
 */
export function createEmbeddingWorker(options: EmbeddingWorkerOptions = {}): EmbeddingWorker {
  const maxQueued = options.maxQueued ?? 256;
  const pending = new Map<number, Pending>();
  let worker: Worker | undefined;
  let nextId = 1;

  const failAll = (error: Error) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };

  const start = (): Worker => {
    const started = spawnWorker(options.threads ?? 1);
    started.on("message", (response: EmbedResponse) => {
      const entry = pending.get(response.id);
      if (entry === undefined) return;
      pending.delete(response.id);
      if (pending.size === 0) started.unref();
      if (!response.ok) {
        entry.reject(new Error(response.message));
        return;
      }
      const rows: number[][] = [];
      for (let start = 0; start < response.vectors.length; start += response.dim) {
        rows.push(Array.from(response.vectors.subarray(start, start + response.dim)));
      }
      entry.resolve(rows);
    });
    started.on("error", (error) => {
      if (worker === started) worker = undefined;
      failAll(error);
    });
    started.on("exit", (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`the embedding worker stopped (exit code ${code})`));
    });
    return started;
  };

  return {
    embed(model, texts) {
      if (pending.size >= maxQueued) {
        return Promise.reject(new Error(`the embedding worker is busy (${pending.size} batches waiting)`));
      }
      worker ??= start();
      const active = worker;
      active.ref();
      const id = nextId++;
      return new Promise<number[][]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        active.postMessage({ id, model, texts } satisfies EmbedRequest);
      });
    },
    async close() {
      const active = worker;
      worker = undefined;
      if (active) await active.terminate();
      failAll(new Error("the embedding worker was closed"));
    },
  };
}

/**
 * Starts the worker module beside this one: the compiled `.js`, or, when running from the TypeScript
 * sources (tests, `tsx` benchmarks), the `.ts` file through tsx's loader.
 */
function spawnWorker(threads: number): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) {
    return new Worker(new URL("./embedding-worker.js", here), { workerData: { threads } });
  }
  const file = new URL("./embedding-worker.ts", here).href;
  // `require.resolve` would give tsx's CommonJS entry; its ESM API sits beside it.
  const tsxRoot = dirname(createRequire(here).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist", "esm", "api", "index.mjs")).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData: { threads } });
}
