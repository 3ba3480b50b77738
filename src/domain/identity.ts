import { z } from "zod";

export const IdentityPropertySchema = z.object({
  key: z.string(),
  value: z.unknown(),
  type: z.enum(["string", "number", "boolean", "json"]),
});

/** A person or organisation an agent talks to or belongs to. */
export const IdentitySchema = z.object({
  id: z.string(),
  identifier_key: z.string(),
  name: z.string(),
  identity_type: z.enum(["org", "user", "other"]),
  project_id: z.string().nullable(),
  properties: z.array(IdentityPropertySchema),
  agent_ids: z.array(z.string()),
  block_ids: z.array(z.string()),
});
export type Identity = z.infer<typeof IdentitySchema>;
