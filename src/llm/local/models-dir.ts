import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  catalogModel,
  isValidModelName,
  type LocalModelSpec,
  MODEL_FILES,
  ONNX_FILES,
} from "./local-catalog.js";

/** Where local models live and where missing ones come from. */
export interface LocalModelSettings {
  /** `REVERIE_MODELS_DIR`, else `$REVERIE_HOME/models`. */
  modelsDir: string;
  /** Base URL models are downloaded from (`REVERIE_MODELS_HUB`); undefined when downloads are off. */
  hubUrl: string | undefined;
  /** ONNX Runtime threads of the embedding worker (`REVERIE_EMBEDDING_THREADS`, default 1). */
  threads?: number | undefined;
}

/** The hub models are pulled from unless `REVERIE_MODELS_HUB` says otherwise. */
export const DEFAULT_MODELS_HUB = "https://huggingface.co";

/** Whether the optional `@huggingface/transformers` package is installed (without loading it). */
export function localEmbeddingsInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("@huggingface/transformers");
    return true;
  } catch {
    return false;
  }
}

/**
 * Local-embedding settings from the environment, or undefined when they are off: the package is not
 * installed, or `REVERIE_LOCAL_EMBEDDINGS` is `off`. `REVERIE_MODELS_HUB=off` keeps them on but never
 * downloads (machines without internet: put the folders in `REVERIE_MODELS_DIR`).
 */
export function localModelSettingsFromEnv(
  env: Record<string, string | undefined>,
  home: string,
  installed: () => boolean = localEmbeddingsInstalled,
): LocalModelSettings | undefined {
  const switchValue = env.REVERIE_LOCAL_EMBEDDINGS?.trim().toLowerCase();
  if (switchValue === "off" || switchValue === "0" || switchValue === "false") return undefined;
  if (!installed()) return undefined;
  const hub = env.REVERIE_MODELS_HUB?.trim();
  const off = hub !== undefined && ["off", "none", "0", "false"].includes(hub.toLowerCase());
  const threads = Number(env.REVERIE_EMBEDDING_THREADS ?? "");
  return {
    modelsDir: env.REVERIE_MODELS_DIR?.trim() || join(home, "models"),
    hubUrl: off ? undefined : (hub || DEFAULT_MODELS_HUB).replace(/\/+$/, ""),
    ...(Number.isInteger(threads) && threads >= 1 && threads <= 64 ? { threads } : {}),
  };
}

/** A model folder that is complete enough to run. */
export interface InstalledModel {
  name: string;
  path: string;
  dim: number;
  pooling: "mean" | "cls";
  maxTokens: number;
  /** The weights file used, relative to the folder (`onnx/model_quantized.onnx` or `onnx/model.onnx`). */
  onnxFile: string;
  /** Size of the folder's files in bytes. */
  bytes: number;
  spec: LocalModelSpec | undefined;
}

/** The folder of a model name under the models directory (the catalog's spelling when it is known). */
export function modelFolder(modelsDir: string, name: string): string {
  return join(modelsDir, catalogModel(name)?.name ?? name);
}

/** Reads a model folder; undefined when it is missing or incomplete (no config, tokenizer or weights). */
export async function inspectModel(modelsDir: string, name: string): Promise<InstalledModel | undefined> {
  if (!isValidModelName(name)) return undefined;
  const spec = catalogModel(name);
  const path = modelFolder(modelsDir, name);
  let bytes = 0;
  for (const file of MODEL_FILES) {
    const size = await fileSize(join(path, file));
    if (size === undefined) return undefined;
    bytes += size;
  }
  let onnxFile: string | undefined;
  for (const file of ONNX_FILES) {
    const size = await fileSize(join(path, file));
    if (size !== undefined && size > 0) {
      onnxFile = file;
      bytes += size;
      break;
    }
  }
  if (onnxFile === undefined) return undefined;
  const config = await readJson(join(path, "config.json"));
  const pooling = await readJson(join(path, "1_Pooling", "config.json"));
  const sentenceConfig = await readJson(join(path, "sentence_bert_config.json"));
  const hidden = typeof config?.hidden_size === "number" ? config.hidden_size : undefined;
  const dim = spec?.dim ?? hidden;
  if (dim === undefined) return undefined;
  const maxSeq = sentenceConfig?.max_seq_length;
  return {
    name: spec?.name ?? name,
    path,
    dim,
    pooling: spec?.pooling ?? (pooling?.pooling_mode_cls_token === true ? "cls" : "mean"),
    maxTokens: spec?.maxTokens ?? (typeof maxSeq === "number" && maxSeq > 0 ? Math.min(maxSeq, 512) : 256),
    onnxFile,
    bytes,
    spec,
  };
}

/** Every runnable model folder (`name` and `org/name`) under the models directory, by name. */
export async function listInstalledModels(modelsDir: string): Promise<InstalledModel[]> {
  const found: InstalledModel[] = [];
  for (const entry of await listDirs(modelsDir)) {
    const direct = await inspectModel(modelsDir, entry);
    if (direct) {
      found.push(direct);
      continue;
    }
    for (const child of await listDirs(join(modelsDir, entry))) {
      const nested = await inspectModel(modelsDir, `${entry}/${child}`);
      if (nested) found.push(nested);
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

async function listDirs(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
