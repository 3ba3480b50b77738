/** A chat model the registry knows without asking the provider. */
export interface CatalogLlm {
  name: string;
  contextWindow: number;
}

/** An embedding model the registry knows without asking the provider. */
export interface CatalogEmbedding {
  name: string;
  dim: number;
  /** Passage size in tokens (default {@link DEFAULT_EMBEDDING_CHUNK_SIZE}), under the model's input limit. */
  chunkSize?: number | undefined;
}

/**
 * Context windows used when a model is not in the catalog. A configured first-party provider may
 * serve models we do not list (new releases, a proxy behind `OPENAI_BASE_URL`), so those still
 * resolve, with the provider's typical window. A local server (Ollama, vLLM, llama.cpp...) is asked
 * for its model's length; when it does not say, 8,192 tokens (`REVERIE_DEFAULT_CONTEXT_WINDOW`
 * overrides): too small a window only summarizes early, too large a one overflows the server.
 */
export const DEFAULT_CONTEXT_WINDOW = {
  openai: 128_000,
  anthropic: 200_000,
  google_ai: 1_048_576,
  local: 8_192,
} as const;

/** Embedding size assumed for an embedding model we do not know (OpenAI's small model's size). */
export const DEFAULT_EMBEDDING_DIM = 1536;

/** Letta's default passage chunk size, and the batch size embedding calls use. */
export const DEFAULT_EMBEDDING_CHUNK_SIZE = 300;
export const DEFAULT_EMBEDDING_BATCH_SIZE = 32;

export const OPENAI_LLMS: readonly CatalogLlm[] = [
  { name: "gpt-4o-mini", contextWindow: 128_000 },
  { name: "gpt-4o", contextWindow: 128_000 },
  { name: "gpt-4.1", contextWindow: 1_047_576 },
  { name: "gpt-4.1-mini", contextWindow: 1_047_576 },
  { name: "gpt-4.1-nano", contextWindow: 1_047_576 },
  // GPT-5 accepts 400k tokens in total of which 128k are output: 272k is what a prompt may use.
  { name: "gpt-5", contextWindow: 272_000 },
  { name: "gpt-5-mini", contextWindow: 272_000 },
  { name: "gpt-5-nano", contextWindow: 272_000 },
  { name: "gpt-5.1", contextWindow: 272_000 },
  { name: "o1", contextWindow: 200_000 },
  { name: "o3", contextWindow: 200_000 },
  { name: "o3-mini", contextWindow: 200_000 },
  { name: "o4-mini", contextWindow: 200_000 },
  { name: "gpt-4-turbo", contextWindow: 128_000 },
  { name: "gpt-4", contextWindow: 8_192 },
  { name: "gpt-3.5-turbo", contextWindow: 16_385 },
];

export const OPENAI_EMBEDDINGS: readonly CatalogEmbedding[] = [
  { name: "text-embedding-3-small", dim: 1536 },
  { name: "text-embedding-3-large", dim: 3072 },
  { name: "text-embedding-ada-002", dim: 1536 },
];

export const ANTHROPIC_LLMS: readonly CatalogLlm[] = [
  { name: "claude-sonnet-4-5-20250929", contextWindow: 200_000 },
  { name: "claude-haiku-4-5-20251001", contextWindow: 200_000 },
  { name: "claude-opus-4-1-20250805", contextWindow: 200_000 },
  { name: "claude-opus-4-20250514", contextWindow: 200_000 },
  { name: "claude-sonnet-4-20250514", contextWindow: 200_000 },
  { name: "claude-3-7-sonnet-20250219", contextWindow: 200_000 },
  { name: "claude-3-5-sonnet-20241022", contextWindow: 200_000 },
  { name: "claude-3-5-haiku-20241022", contextWindow: 200_000 },
];

export const GOOGLE_LLMS: readonly CatalogLlm[] = [
  { name: "gemini-2.5-flash", contextWindow: 1_048_576 },
  { name: "gemini-2.5-pro", contextWindow: 1_048_576 },
  { name: "gemini-2.5-flash-lite", contextWindow: 1_048_576 },
  { name: "gemini-2.0-flash", contextWindow: 1_048_576 },
  { name: "gemini-2.0-flash-lite", contextWindow: 1_048_576 },
];

export const GOOGLE_EMBEDDINGS: readonly CatalogEmbedding[] = [
  { name: "gemini-embedding-001", dim: 3072 },
  { name: "text-embedding-004", dim: 768 },
];

/** Sizes of common local embedding models (Ollama and friends), matched by name prefix. */
export const LOCAL_EMBEDDINGS: readonly CatalogEmbedding[] = [
  { name: "nomic-embed-text", dim: 768 },
  { name: "mxbai-embed-large", dim: 1024 },
  { name: "all-minilm", dim: 384 },
  { name: "multilingual-e5-small", dim: 384 },
  { name: "multilingual-e5-base", dim: 768 },
  { name: "multilingual-e5-large", dim: 1024 },
  { name: "bge-small", dim: 384 },
  { name: "bge-base", dim: 768 },
  { name: "bge-large", dim: 1024 },
  { name: "paraphrase-multilingual-minilm", dim: 384 },
  { name: "all-mpnet-base-v2", dim: 768 },
  { name: "bge-m3", dim: 1024 },
  { name: "snowflake-arctic-embed", dim: 1024 },
  { name: "text-embedding-3-small", dim: 1536 },
  { name: "text-embedding-3-large", dim: 3072 },
];

/**
 * The catalog entry whose name is the model's or its longest prefix followed by `-`, `:` or `@` (dated
 * or tagged variants: `gpt-4o-mini-2024-07-18`, `nomic-embed-text:latest`), matched case-insensitively,
 * with or without an `org/` prefix (`sentence-transformers/All-MiniLM-L6-v2`).
 */
export function lookupByPrefix<T extends { name: string }>(
  entries: readonly T[],
  model: string,
): T | undefined {
  // Hub-style ids keep their authors' case (`all-MiniLM-L6-v2`, `BAAI/bge-M3`): compare without it, and
  // look at the part after an `org/` prefix too.
  const name = model.toLowerCase();
  const bare = name.slice(name.lastIndexOf("/") + 1);
  let best: T | undefined;
  for (const entry of entries) {
    const known = entry.name.toLowerCase();
    const matches = [name, bare].some(
      (candidate) =>
        candidate === known || (candidate.startsWith(known) && /^[-:@]/.test(candidate.slice(known.length))),
    );
    if (matches && (best === undefined || entry.name.length > best.name.length)) best = entry;
  }
  return best;
}

/** Whether a model id served by an OpenAI-style `/models` list looks like an embedding model. */
export function looksLikeEmbeddingModel(name: string): boolean {
  return /embed|bge-|minilm|e5-/i.test(name);
}

/** Ids an OpenAI-style `/models` list serves that are neither chat nor embedding models. */
export function looksLikeNonChatModel(name: string): boolean {
  return /dall-e|whisper|tts|moderation|davinci|babbage|image|audio|realtime|transcribe|search|sora/i.test(
    name,
  );
}
