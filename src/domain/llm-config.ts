import { z } from "zod";
import { queryArray } from "./query-params.js";

/** Letta's LLMConfig: deprecated on AgentState but still read by the clients. */
export const LlmConfigSchema = z
  .object({
    model: z.string(),
    model_endpoint_type: z.string(),
    context_window: z.number().int().positive(),
    model_endpoint: z.string().nullable().optional(),
    provider_name: z.string().nullable().optional(),
    provider_category: z.enum(["base", "byok"]).nullable().optional(),
    handle: z.string().nullable().optional(),
    display_name: z.string().nullable().optional(),
    model_wrapper: z.string().nullable().optional(),
    put_inner_thoughts_in_kwargs: z.boolean().nullable().optional(),
    temperature: z.number().nullable().optional(),
    max_tokens: z.number().int().nullable().optional(),
    enable_reasoner: z.boolean().nullable().optional(),
    reasoning_effort: z.string().nullable().optional(),
    max_reasoning_tokens: z.number().int().nullable().optional(),
    frequency_penalty: z.number().nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    verbosity: z.string().nullable().optional(),
    tier: z.string().nullable().optional(),
  })
  .loose();
export type LlmConfig = z.infer<typeof LlmConfigSchema>;

/** Letta's EmbeddingConfig: which model embeds an agent's passages, and at what dimension. */
export const EmbeddingConfigSchema = z
  .object({
    embedding_endpoint_type: z.string(),
    embedding_model: z.string(),
    embedding_dim: z.number().int().positive(),
    embedding_endpoint: z.string().nullable().optional(),
    embedding_chunk_size: z.number().int().positive().nullable().optional(),
    handle: z.string().nullable().optional(),
    batch_size: z.number().int().positive().optional(),
  })
  .loose();
export type EmbeddingConfig = z.infer<typeof EmbeddingConfigSchema>;

/** One entry of `GET /v1/models/`, with the deprecated fields the client still types as required. */
export const ModelSchema = z.object({
  name: z.string(),
  handle: z.string(),
  display_name: z.string(),
  provider_type: z.string(),
  provider_name: z.string(),
  provider_category: z.enum(["base", "byok"]),
  model_type: z.literal("llm"),
  max_context_window: z.number().int(),
  model: z.string(),
  model_endpoint_type: z.string(),
  model_endpoint: z.string().nullable(),
  context_window: z.number().int(),
});
export type Model = z.infer<typeof ModelSchema>;

/** One entry of `GET /v1/models/embedding`. */
export const EmbeddingModelSchema = z.object({
  name: z.string(),
  handle: z.string(),
  display_name: z.string(),
  provider_type: z.string(),
  provider_name: z.string(),
  model_type: z.literal("embedding"),
  embedding_endpoint_type: z.string(),
  embedding_endpoint: z.string().nullable(),
  embedding_model: z.string(),
  embedding_dim: z.number().int(),
  embedding_chunk_size: z.number().int(),
  batch_size: z.number().int(),
});
export type EmbeddingModel = z.infer<typeof EmbeddingModelSchema>;

/** `GET /v1/models/` query. */
export const ListModelsQuerySchema = z.object({
  provider_category: queryArray().optional().describe("base and/or byok"),
  provider_name: z.string().optional(),
  provider_type: z.string().optional(),
});
