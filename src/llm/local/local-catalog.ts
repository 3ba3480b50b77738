/** A sentence-embedding model Reverie knows how to fetch and run in process. */
export interface LocalModelSpec {
  /** The model part of the handle: `local/<name>`. */
  name: string;
  /** The hub repository of its ONNX export (transformers.js layout). */
  repo: string;
  dim: number;
  /** How token vectors become one sentence vector (as the model was trained). */
  pooling: "mean" | "cls";
  /** Longest input in the model's own tokens; longer texts are truncated (as sentence-transformers does). */
  maxTokens: number;
  /** Passage size for archival chunking, in tokens, kept under `maxTokens`. */
  chunkSize: number;
  /** Approximate download size, for `reverie models list`. */
  sizeMb: number;
}

/** Symmetric sentence-embedding models (no query/passage prefixes), smallest first. */
export const LOCAL_MODEL_CATALOG: readonly LocalModelSpec[] = [
  {
    name: "all-MiniLM-L6-v2",
    repo: "Xenova/all-MiniLM-L6-v2",
    dim: 384,
    pooling: "mean",
    maxTokens: 256,
    chunkSize: 200,
    sizeMb: 23,
  },
  {
    name: "all-MiniLM-L12-v2",
    repo: "Xenova/all-MiniLM-L12-v2",
    dim: 384,
    pooling: "mean",
    maxTokens: 128,
    chunkSize: 100,
    sizeMb: 34,
  },
  {
    name: "bge-small-en-v1.5",
    repo: "Xenova/bge-small-en-v1.5",
    dim: 384,
    pooling: "cls",
    maxTokens: 512,
    chunkSize: 300,
    sizeMb: 34,
  },
  {
    name: "paraphrase-multilingual-MiniLM-L12-v2",
    repo: "Xenova/paraphrase-multilingual-MiniLM-L12-v2",
    dim: 384,
    pooling: "mean",
    maxTokens: 128,
    chunkSize: 100,
    sizeMb: 118,
  },
];

/** The model a handle names, when `local/` is the default model. */
export const DEFAULT_LOCAL_MODEL = "all-MiniLM-L6-v2";

/** Files a model folder needs, and the optional ones fetched when the hub has them. */
export const MODEL_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json"] as const;
export const OPTIONAL_MODEL_FILES = ["special_tokens_map.json"] as const;
/** The weights: int8 first (4x smaller, cosine > 0.99 to fp32), full precision otherwise. */
export const ONNX_FILES = ["onnx/model_quantized.onnx", "onnx/model.onnx"] as const;

/** The catalog entry of a model name, matched case-insensitively (`All-MiniLM-L6-v2` is the same model). */
export function catalogModel(name: string): LocalModelSpec | undefined {
  const wanted = name.toLowerCase();
  return LOCAL_MODEL_CATALOG.find(
    (spec) => spec.name.toLowerCase() === wanted || spec.repo.toLowerCase() === wanted,
  );
}

/** A folder name under the models directory: `name` or `org/name`, no traversal, no odd characters. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,127})?$/;

/** Whether `name` may name a model folder (checked before any path is built from it). */
export function isValidModelName(name: string): boolean {
  return (
    MODEL_NAME.test(name) &&
    !name.split("/").some((part) => part === "." || part === ".." || /\.\./.test(part))
  );
}
