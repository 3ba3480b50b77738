import { z } from "zod";
import { TimestampSchema } from "./common.js";

/**
 * An API key as listed: never the key itself, which is shown once at creation and stored only as a
 * SHA-256 hash. `prefix` (the key's first characters) tells keys apart in lists.
 */
export const ApiKeySchema = z.object({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  prefix: z.string(),
  /** Admin keys manage organizations and keys through `/v1/admin`. */
  is_admin: z.boolean(),
  created_at: TimestampSchema,
  expires_at: TimestampSchema.nullable(),
  revoked_at: TimestampSchema.nullable(),
  last_used_at: TimestampSchema.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/** A stored key: the listed fields and the hex SHA-256 of the key. */
export type ApiKeyRecord = ApiKey & { hash: string };

/** A newly created key: the only time its secret is shown. */
export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe("The API key. It is shown only now: store it, it cannot be retrieved later."),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

/** `POST /v1/admin/keys`: a key for an organization (the caller's when left out). */
export const CreateApiKeyRequestSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(200).describe("What the key is for"),
  organization_id: z
    .string()
    .optional()
    .describe("The organization the key works in (default: the caller's)"),
  is_admin: z.boolean().default(false).describe("Whether the key may manage organizations and keys"),
  expires_at: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .describe("When the key stops working (ISO-8601); never when left out"),
});

/** `GET /v1/admin/keys` filters. */
export const ApiKeyListFilterSchema = z.object({
  organization_id: z.string().optional().describe("Only this organization's keys"),
});
