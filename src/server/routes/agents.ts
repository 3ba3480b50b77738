import { z } from "zod";
import {
  AgentFilterQuerySchema,
  AgentStateSchema,
  CreateAgentSchema,
  DeletedMessageSchema,
  ListAgentsQuerySchema,
  RetrieveAgentQuerySchema,
  UpdateAgentSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/agents/`: create, list, count, retrieve, modify, delete. */
export function agentRoutes(services: Services): AnyRoute[] {
  const { agents } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/agents/count",
      operationId: "count_agents",
      summary: "Count agents",
      tag: "agents",
      query: AgentFilterQuerySchema,
      response: z.number().int(),
      handle: ({ query }) => agents.count(query),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/",
      operationId: "list_agents",
      summary: "List agents",
      tag: "agents",
      query: ListAgentsQuerySchema,
      response: z.array(AgentStateSchema),
      handle: ({ query }) => agents.list({ ...query, ...pageOf(query) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/",
      operationId: "create_agent",
      summary: "Create an agent",
      tag: "agents",
      body: CreateAgentSchema,
      response: AgentStateSchema,
      handle: ({ body }) => agents.create(body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}",
      operationId: "retrieve_agent",
      summary: "Retrieve an agent",
      tag: "agents",
      query: RetrieveAgentQuerySchema,
      response: AgentStateSchema,
      handle: ({ params }) => agents.get(params.agent_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}",
      operationId: "modify_agent",
      summary: "Modify an agent",
      tag: "agents",
      body: UpdateAgentSchema,
      response: AgentStateSchema,
      handle: ({ params, body }) => agents.update(params.agent_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/agents/{agent_id}",
      operationId: "delete_agent",
      summary: "Delete an agent (its blocks and tools stay: they may be shared)",
      tag: "agents",
      response: DeletedMessageSchema,
      handle: async ({ params }) => {
        await agents.delete(params.agent_id);
        return { message: `Agent id=${params.agent_id} successfully deleted` };
      },
    }),
  ];
}
