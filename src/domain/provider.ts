import { z } from "zod";
import { TimestampSchema } from "./common.js";
import { pageQuerySchema } from "./query-params.js";

/** Letta's provider types; {@link SUPPORTED_PROVIDER_TYPES} says which ones this server can call. */
export const ProviderTypeSchema = z.enum([
  "anthropic",
  "azure",
  "baseten",
  "bedrock",
  "cerebras",
  "chatgpt_oauth",
  "deepseek",
  "fireworks",
  "google_ai",
  "google_vertex",
  "groq",
  "hugging-face",
  "letta",
  "lmstudio_openai",
  "minimax",
  "mistral",
  "ollama",
  "openai",
  "together",
  "vllm",
  "sglang",
  "openrouter",
  "xai",
  "zai",
  "zai_coding",
]);
export type ProviderType = z.infer<typeof ProviderTypeSchema>;

/**
 * An organization's own provider (Letta's BYOK `Provider`). The API key is stored sealed and shown only
 * masked; `provider_category` is `byok` for these and `base` for the server's environment providers.
 */
export const ProviderSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider_type: ProviderTypeSchema,
  provider_category: z.enum(["base", "byok"]),
  api_key: z.string().nullable(),
  base_url: z.string().nullable(),
  access_key: z.string().nullable(),
  region: z.string().nullable(),
  api_version: z.string().nullable(),
  updated_at: TimestampSchema.nullable(),
  last_synced: TimestampSchema.nullable(),
});
export type Provider = z.infer<typeof ProviderSchema>;

const optionalText = z.string().max(2048).nullable().optional();

/** Body of `POST /v1/providers/`. */
export const CreateProviderSchema = z.object({
  name: z.string().min(1).max(128),
  provider_type: ProviderTypeSchema,
  api_key: z.string().max(8192),
  access_key: optionalText,
  region: optionalText,
  base_url: optionalText,
  api_version: optionalText,
});
export type CreateProvider = z.infer<typeof CreateProviderSchema>;

/** Body of `PATCH /v1/providers/{provider_id}`: a new key, and optionally a new base URL. */
export const UpdateProviderSchema = z.object({
  api_key: z.string().max(8192),
  access_key: optionalText,
  region: optionalText,
  base_url: optionalText,
  api_version: optionalText,
});
export type UpdateProvider = z.infer<typeof UpdateProviderSchema>;

/** Body of `POST /v1/providers/check`: a key to try before storing it. */
export const CheckProviderSchema = UpdateProviderSchema.extend({ provider_type: ProviderTypeSchema });
export type CheckProvider = z.infer<typeof CheckProviderSchema>;

/** What a successful check answers. */
export const ProviderCheckResultSchema = z.object({
  status: z.literal("ok"),
  message: z.string(),
  models: z.number().int(),
});
export type ProviderCheckResult = z.infer<typeof ProviderCheckResultSchema>;

/** `GET /v1/providers/` query. */
export const ListProvidersQuerySchema = pageQuerySchema({ order: "asc", limit: 50 }).extend({
  name: z.string().optional(),
  provider_type: z.string().optional(),
});
