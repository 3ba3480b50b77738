import { z } from "zod";
import { pageQuerySchema, queryArray } from "./query-params.js";

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

export const IdentityTypeSchema = IdentitySchema.shape.identity_type;

/** A property whose value matches its declared type (422 otherwise). */
export const CheckedIdentityPropertySchema = IdentityPropertySchema.superRefine((property, context) => {
  const value = property.value;
  const ok =
    property.type === "string"
      ? typeof value === "string"
      : property.type === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : property.type === "boolean"
          ? typeof value === "boolean"
          : value !== undefined;
  if (!ok)
    context.addIssue({ code: "custom", message: `the value of '${property.key}' is not a ${property.type}` });
});

const identityFields = {
  identifier_key: z.string().min(1).max(512),
  name: z.string().min(1).max(512),
  identity_type: IdentityTypeSchema,
  project_id: z.string().nullable().optional(),
  agent_ids: z.array(z.string()).max(10_000).nullable().optional(),
  block_ids: z.array(z.string()).max(10_000).nullable().optional(),
  properties: z.array(CheckedIdentityPropertySchema).max(1000).nullable().optional(),
};

/** Body of `POST /v1/identities/` (and of the upsert `PUT /v1/identities/`). */
export const CreateIdentitySchema = z.object(identityFields);
export type CreateIdentity = z.infer<typeof CreateIdentitySchema>;

/** Body of `PATCH /v1/identities/{identity_id}`: lists given replace the stored ones. */
export const UpdateIdentitySchema = z.object({
  identifier_key: identityFields.identifier_key.nullable().optional(),
  name: identityFields.name.nullable().optional(),
  identity_type: IdentityTypeSchema.nullable().optional(),
  agent_ids: identityFields.agent_ids,
  block_ids: identityFields.block_ids,
  properties: identityFields.properties,
});
export type UpdateIdentity = z.infer<typeof UpdateIdentitySchema>;

/** Body of `PUT /v1/identities/{identity_id}/properties`: the whole new list. */
export const IdentityPropertiesSchema = z.array(CheckedIdentityPropertySchema).max(1000);

/** `GET /v1/identities/` query. */
export const ListIdentitiesQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  name: z.string().optional(),
  project_id: z.string().optional(),
  identifier_key: z.string().optional(),
  identity_type: IdentityTypeSchema.optional(),
});

/** `GET /v1/identities/{id}/agents` query. */
export const ListIdentityAgentsQuerySchema = pageQuerySchema({ order: "desc", limit: 50 }).extend({
  include: queryArray().optional().describe("Accepted for compatibility; the full agent is always returned"),
});

/** `GET /v1/identities/{id}/blocks` query. */
export const ListIdentityBlocksQuerySchema = pageQuerySchema({ order: "desc", limit: 50 });
