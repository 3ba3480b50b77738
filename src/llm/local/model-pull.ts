import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ReverieError } from "../../domain/index.js";
import {
  catalogModel,
  isValidModelName,
  LOCAL_MODEL_CATALOG,
  MODEL_FILES,
  ONNX_FILES,
  OPTIONAL_MODEL_FILES,
} from "./local-catalog.js";
import { type InstalledModel, inspectModel, modelFolder } from "./models-dir.js";

/** A transfer that failed (network, HTTP error, truncated file): worth trying again later. */
export class ModelDownloadError extends Error {
  override readonly name = "ModelDownloadError";
}

/** What a pull reports as bytes arrive. */
export interface PullProgress {
  file: string;
  /** Bytes of this file so far, and its size when the server said. */
  received: number;
  total: number | undefined;
  /** Files finished, of how many will be fetched (the weights count as one). */
  filesDone: number;
  filesTotal: number;
}

export interface PullOptions {
  modelsDir: string;
  hubUrl: string;
  /** Fetches again even when the folder is complete. */
  force?: boolean | undefined;
  onProgress?: ((progress: PullProgress) => void) | undefined;
  fetch?: typeof fetch | undefined;
  /** A transfer that receives nothing for this long fails (default 60 s). */
  idleTimeoutMs?: number | undefined;
}

/** The hub repository a model name comes from: the catalog's, or the name itself when it is `org/name`. */
export function repositoryOf(name: string): string {
  const spec = catalogModel(name);
  if (spec) return spec.repo;
  if (isValidModelName(name) && name.includes("/")) return name;
  const known = LOCAL_MODEL_CATALOG.map((entry) => entry.name).join(", ");
  throw new ReverieError(
    "invalid_argument",
    `Unknown local model '${name}': use one of ${known}, or a hub repository 'org/name' with an ONNX export`,
  );
}

/**
 * Downloads a model folder (config, tokenizer and ONNX weights, int8 when the repository has them) from
 * the hub into the models directory. Files land in a staging folder that is renamed into place only when
 * every file arrived whole, so an interrupted pull never leaves a folder that looks complete.
 */
export async function pullModel(name: string, options: PullOptions): Promise<InstalledModel> {
  if (!isValidModelName(name)) {
    throw new ReverieError("invalid_argument", `Invalid model name '${name}': expected 'name' or 'org/name'`);
  }
  const repo = repositoryOf(name);
  const target = modelFolder(options.modelsDir, name);
  if (!options.force) {
    const present = await inspectModel(options.modelsDir, name);
    if (present) return present;
  }
  const fetchImpl = options.fetch ?? fetch;
  const staging = join(options.modelsDir, `.pull-${randomUUID()}`);
  const filesTotal = MODEL_FILES.length + OPTIONAL_MODEL_FILES.length + 1;
  let filesDone = 0;
  const download = async (file: string, required: boolean): Promise<boolean> => {
    const url = `${options.hubUrl}/${repo}/resolve/main/${file}`;
    const fetched = await fetchFile(fetchImpl, url, join(staging, file), options.idleTimeoutMs ?? 60_000, {
      onBytes: (received, total) => options.onProgress?.({ file, received, total, filesDone, filesTotal }),
    });
    if (!fetched && required) {
      throw new ReverieError("not_found", `${repo} has no ${file} at ${options.hubUrl}`);
    }
    filesDone++;
    return fetched;
  };
  try {
    await mkdir(staging, { recursive: true });
    for (const file of MODEL_FILES) await download(file, true);
    for (const file of OPTIONAL_MODEL_FILES) await download(file, false);
    let weights = false;
    for (const file of ONNX_FILES) {
      if (await download(file, false)) {
        weights = true;
        break;
      }
      filesDone--;
    }
    if (!weights) {
      throw new ReverieError("not_found", `${repo} has no ONNX weights (${ONNX_FILES.join(" or ")})`);
    }
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const installed = await inspectModel(options.modelsDir, name);
  if (installed === undefined) {
    throw new ReverieError("invalid_argument", `${repo} was downloaded but is not a runnable model folder`);
  }
  return installed;
}

/** Streams one URL to a file; false on 404, throws on any other failure. */
async function fetchFile(
  fetchImpl: typeof fetch,
  url: string,
  path: string,
  idleTimeoutMs: number,
  hooks: { onBytes: (received: number, total: number | undefined) => void },
): Promise<boolean> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: controller.signal, redirect: "follow" });
    } catch (error) {
      throw new ModelDownloadError(`Could not download ${url}: ${describe(error)}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return false;
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new ModelDownloadError(`Could not download ${url}: HTTP ${response.status}`);
    }
    const length = Number(response.headers.get("content-length"));
    const total = Number.isFinite(length) && length > 0 ? length : undefined;
    let received = 0;
    hooks.onBytes(0, total);
    await mkdir(dirname(path), { recursive: true });
    const source = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    source.on("data", (chunk: Buffer) => {
      touch();
      received += chunk.length;
      hooks.onBytes(received, total);
    });
    try {
      await pipeline(source, createWriteStream(path));
    } catch (error) {
      throw new ModelDownloadError(`Download of ${url} failed: ${describe(error)}`);
    }
    if (total !== undefined && received !== total) {
      throw new ModelDownloadError(`Download of ${url} stopped at ${received} of ${total} bytes`);
    }
    return true;
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === "AbortError") return "no data received in time";
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
