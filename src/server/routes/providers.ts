import { z } from "zod";
import {
  CheckProviderSchema,
  CreateProviderSchema,
  ListProvidersQuerySchema,
  ProviderCheckResultSchema,
  ProviderSchema,
  UpdateProviderSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/providers/`: the organization's own model providers (keys sealed, shown masked). */
export function providerRoutes(services: Services): AnyRoute[] {
  const { providers } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/providers/",
      operationId: "list_providers",
      summary: "List the organization's providers",
      tag: "providers",
      query: ListProvidersQuerySchema,
      response: z.array(ProviderSchema),
      handle: ({ query }) =>
        providers.list({ ...pageOf(query), name: query.name, provider_type: query.provider_type }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/providers/",
      operationId: "create_provider",
      summary: "Add a provider (its key is stored encrypted)",
      tag: "providers",
      body: CreateProviderSchema,
      response: ProviderSchema,
      handle: ({ body }) => providers.create(body),
    }),
    defineRoute({
      method: "post",
      path: "/v1/providers/check",
      operationId: "check_provider",
      summary: "Check a key by asking the provider for its models",
      tag: "providers",
      body: CheckProviderSchema,
      response: ProviderCheckResultSchema,
      handle: ({ body }) => providers.check(body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/providers/{provider_id}",
      operationId: "retrieve_provider",
      summary: "Retrieve a provider",
      tag: "providers",
      response: ProviderSchema,
      handle: ({ params }) => providers.get(params.provider_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/providers/{provider_id}",
      operationId: "modify_provider",
      summary: "Change a provider's key or base URL",
      tag: "providers",
      body: UpdateProviderSchema,
      response: ProviderSchema,
      handle: ({ params, body }) => providers.update(params.provider_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/providers/{provider_id}",
      operationId: "delete_provider",
      summary: "Delete a provider",
      tag: "providers",
      response: z.null(),
      handle: async ({ params }) => {
        await providers.delete(params.provider_id);
        return null;
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/providers/{provider_id}/check",
      operationId: "check_existing_provider",
      summary: "Check a stored provider's key",
      tag: "providers",
      response: ProviderCheckResultSchema,
      handle: ({ params }) => providers.checkStored(params.provider_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/providers/{provider_id}/refresh",
      operationId: "refresh_provider_models",
      summary: "Re-read a provider's models from the provider",
      tag: "providers",
      response: ProviderSchema,
      handle: ({ params }) => providers.refresh(params.provider_id),
    }),
  ];
}
