import { z } from "zod";
import {
  AgentGroupsQuerySchema,
  DeletedMessageSchema,
  GroupFilterQuerySchema,
  GroupSchema,
  GroupUpdateSchema,
  ListGroupsQuerySchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/groups/` (deprecated in Letta, where only sleep-time groups are live) and an agent's groups. */
export function groupRoutes(services: Services): AnyRoute[] {
  const { sleeptime } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/groups/",
      operationId: "list_groups",
      summary: "List groups",
      tag: "groups",
      query: ListGroupsQuerySchema,
      response: z.array(GroupSchema),
      handle: ({ query }) =>
        sleeptime.listGroups({
          ...pageOf(query),
          manager_type: query.manager_type,
          project_id: query.project_id,
        }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/groups/count",
      operationId: "count_groups",
      summary: "Count groups",
      tag: "groups",
      query: GroupFilterQuerySchema,
      response: z.number().int(),
      handle: ({ query }) => sleeptime.countGroups(query),
    }),
    defineRoute({
      method: "get",
      path: "/v1/groups/{group_id}",
      operationId: "retrieve_group",
      summary: "Retrieve a group",
      tag: "groups",
      response: GroupSchema,
      handle: ({ params }) => sleeptime.getGroup(params.group_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/groups/{group_id}",
      operationId: "modify_group",
      summary: "Modify a group (its description, and a sleep-time group's frequency)",
      tag: "groups",
      body: GroupUpdateSchema,
      response: GroupSchema,
      handle: ({ params, body }) => sleeptime.updateGroup(params.group_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/groups/{group_id}",
      operationId: "delete_group",
      summary: "Delete a group (a sleep-time group takes its sleep-time agent with it)",
      tag: "groups",
      response: DeletedMessageSchema,
      handle: async ({ params }) => {
        await sleeptime.deleteGroup(params.group_id);
        return { message: `Group id=${params.group_id} successfully deleted` };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/groups",
      operationId: "list_agent_groups",
      summary: "List the groups an agent manages or belongs to",
      tag: "agents",
      query: AgentGroupsQuerySchema,
      response: z.array(GroupSchema),
      handle: ({ params, query }) => sleeptime.groupsOfAgent(params.agent_id, query.manager_type),
    }),
  ];
}
