import { z } from "zod";
import {
  AgentStateSchema,
  BlockSchema,
  CreateIdentitySchema,
  IdentityPropertiesSchema,
  IdentitySchema,
  ListIdentitiesQuerySchema,
  ListIdentityAgentsQuerySchema,
  ListIdentityBlocksQuerySchema,
  UpdateIdentitySchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/identities/` and the identity attach/detach routes of agents and blocks. */
export function identityRoutes(services: Services): AnyRoute[] {
  const { identities } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/identities/",
      operationId: "list_identities",
      summary: "List identities",
      tag: "identities",
      query: ListIdentitiesQuerySchema,
      response: z.array(IdentitySchema),
      handle: ({ query }) =>
        identities.list({
          ...pageOf(query),
          name: query.name,
          project_id: query.project_id,
          identifier_key: query.identifier_key,
          identity_type: query.identity_type,
        }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/identities/",
      operationId: "create_identity",
      summary: "Create an identity",
      tag: "identities",
      body: CreateIdentitySchema,
      response: IdentitySchema,
      handle: ({ body }) => identities.create(body),
    }),
    defineRoute({
      method: "put",
      path: "/v1/identities/",
      operationId: "upsert_identity",
      summary: "Create or update the identity of an identifier_key",
      tag: "identities",
      body: CreateIdentitySchema,
      response: IdentitySchema,
      handle: ({ body }) => identities.upsert(body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/identities/count",
      operationId: "count_identities",
      summary: "Count identities",
      tag: "identities",
      response: z.number().int(),
      handle: () => identities.count(),
    }),
    defineRoute({
      method: "get",
      path: "/v1/identities/{identity_id}",
      operationId: "retrieve_identity",
      summary: "Retrieve an identity",
      tag: "identities",
      response: IdentitySchema,
      handle: ({ params }) => identities.get(params.identity_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/identities/{identity_id}",
      operationId: "modify_identity",
      summary: "Modify an identity",
      tag: "identities",
      body: UpdateIdentitySchema,
      response: IdentitySchema,
      handle: ({ params, body }) => identities.update(params.identity_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/identities/{identity_id}",
      operationId: "delete_identity",
      summary: "Delete an identity (its agents and blocks stay)",
      tag: "identities",
      response: z.null(),
      handle: async ({ params }) => {
        await identities.delete(params.identity_id);
        return null;
      },
    }),
    defineRoute({
      method: "put",
      path: "/v1/identities/{identity_id}/properties",
      operationId: "upsert_identity_properties",
      summary: "Replace an identity's properties",
      tag: "identities",
      body: IdentityPropertiesSchema,
      response: z.null(),
      handle: async ({ params, body }) => {
        await identities.replaceProperties(params.identity_id, body);
        return null;
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/identities/{identity_id}/agents",
      operationId: "list_agents_for_identity",
      summary: "List an identity's agents",
      tag: "identities",
      query: ListIdentityAgentsQuerySchema,
      response: z.array(AgentStateSchema),
      handle: ({ params, query }) => identities.agentsOf(params.identity_id, pageOf(query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/identities/{identity_id}/blocks",
      operationId: "list_blocks_for_identity",
      summary: "List an identity's blocks",
      tag: "identities",
      query: ListIdentityBlocksQuerySchema,
      response: z.array(BlockSchema),
      handle: ({ params }) => identities.blocksOf(params.identity_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/identities/attach/{identity_id}",
      operationId: "attach_identity_to_agent",
      summary: "Attach an identity to an agent",
      tag: "agents",
      response: z.null(),
      handle: async ({ params }) => {
        await identities.attachAgent(params.agent_id, params.identity_id);
        return null;
      },
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/identities/detach/{identity_id}",
      operationId: "detach_identity_from_agent",
      summary: "Detach an identity from an agent",
      tag: "agents",
      response: z.null(),
      handle: async ({ params }) => {
        await identities.detachAgent(params.agent_id, params.identity_id);
        return null;
      },
    }),
    defineRoute({
      method: "patch",
      path: "/v1/blocks/{block_id}/identities/attach/{identity_id}",
      operationId: "attach_identity_to_block",
      summary: "Attach an identity to a block",
      tag: "blocks",
      response: BlockSchema,
      handle: ({ params }) => identities.attachBlock(params.block_id, params.identity_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/blocks/{block_id}/identities/detach/{identity_id}",
      operationId: "detach_identity_from_block",
      summary: "Detach an identity from a block",
      tag: "blocks",
      response: BlockSchema,
      handle: ({ params }) => identities.detachBlock(params.block_id, params.identity_id),
    }),
  ];
}
