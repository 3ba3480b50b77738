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
