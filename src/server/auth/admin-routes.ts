import type { Context } from "hono";
import { z } from "zod";
import {
  ApiKeyListFilterSchema,
  ApiKeySchema,
  CreateApiKeyRequestSchema,
  CreatedApiKeySchema,
  CreateOrganizationRequestSchema,
  ListOrganizationsQuerySchema,
  notFound,
  OrganizationSchema,
  ReverieError,
} from "../../domain/index.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";
import type { ApiKeyService, Principal } from "./api-keys.js";

/** The admin principal of the request; 403 for a non-admin key or a server without keys. */
function requireAdmin(context: Context): Principal {
  const principal = context.get("principal") as Principal | undefined;
  if (principal?.is_admin !== true) {
    throw new ReverieError(
      "forbidden",
      "This route needs an admin API key: send Authorization: Bearer <admin key> (create one with " +
        "`reverie keys create --admin`, or use REVERIE_API_KEY)",
    );
  }
  return principal;
}

/**
 * `/v1/admin`: organizations and their API keys, for admin keys only. These routes work across
 * organizations by design; every other route sees only the caller's organization.
 */
export function adminRoutes(keys: ApiKeyService): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/admin/organizations/",
      operationId: "admin_list_organizations",
      summary: "List organizations (admin key)",
      tag: "admin",
      query: ListOrganizationsQuerySchema,
      response: z.array(OrganizationSchema),
      handle: ({ query, context }) => {
        requireAdmin(context);
        return keys.listOrganizations(pageOf(query));
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/admin/organizations/",
      operationId: "admin_create_organization",
      summary: "Create an organization (admin key)",
      tag: "admin",
      body: CreateOrganizationRequestSchema,
      response: OrganizationSchema,
      handle: ({ body, context }) => {
        requireAdmin(context);
        return keys.createOrganization(body.name);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/admin/keys/",
      operationId: "admin_list_keys",
      summary: "List API keys: names and prefixes, never the keys (admin key)",
      tag: "admin",
      query: ApiKeyListFilterSchema,
      response: z.array(ApiKeySchema),
      handle: ({ query, context }) => {
        requireAdmin(context);
        return keys.list({ organization_id: query.organization_id });
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/admin/keys/",
      operationId: "admin_create_key",
      summary: "Create an API key; the key is in this response only (admin key)",
      tag: "admin",
      body: CreateApiKeyRequestSchema,
      response: CreatedApiKeySchema,
      handle: async ({ body, context }) => {
        const principal = requireAdmin(context);
        const organizationId = body.organization_id ?? principal.organization_id;
        if (!(await keys.getOrganization(organizationId))) throw notFound("Organization", organizationId);
        if (body.expires_at && Date.parse(body.expires_at) <= Date.now()) {
          throw new ReverieError("validation", "expires_at must be in the future");
        }
        return keys.create({
          name: body.name,
          organization_id: organizationId,
          is_admin: body.is_admin,
          expires_at: body.expires_at ? new Date(body.expires_at).toISOString() : null,
        });
      },
    }),
    defineRoute({
      method: "delete",
      path: "/v1/admin/keys/{key_id}",
      operationId: "admin_revoke_key",
      summary: "Revoke an API key: requests with it get 401 from now on (admin key)",
      tag: "admin",
      response: ApiKeySchema,
      handle: async ({ params, context }) => {
        requireAdmin(context);
        const revoked = await keys.revoke(params.key_id);
        if (!revoked) throw notFound("API key", params.key_id);
        return revoked;
      },
    }),
  ];
}
