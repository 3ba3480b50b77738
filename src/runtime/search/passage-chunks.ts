import type { EmbeddingConfig } from "../../domain/index.js";
import { DEFAULT_EMBEDDING_CHUNK_SIZE } from "../../llm/model-catalog.js";
import { createTokenCounter, estimateTokens } from "../../llm/tokens/index.js";
import { chunkText } from "./chunking.js";

/** Share of a chunk repeated at the start of the next, so that a fact cut in two is still found whole. */
const OVERLAP_SHARE = 0.1;

/**
 * Splits a passage's text into chunks the embedding model takes whole: `embedding_chunk_size` tokens of
 * that model (Letta's default, 300, without a model), counted by the model's tokenizer when it is known.
 */
export function chunkPassageText(text: string, config: EmbeddingConfig | null): string[] {
  const maxTokens = config?.embedding_chunk_size ?? DEFAULT_EMBEDDING_CHUNK_SIZE;
  const countTokens = config ? createTokenCounter(config.embedding_model).countText : estimateTokens;
  return chunkText(text, { maxTokens, overlapTokens: Math.floor(maxTokens * OVERLAP_SHARE), countTokens });
}
