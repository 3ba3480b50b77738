import { z } from "zod";
import { GroupSchema, ManagerTypeSchema } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf, pageQuerySchema } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** Letta's `manager_config` of a group update; only the sleep-time manager's settings can change here. */
const ManagerConfigUpdateSchema = z
  .object({
    manager_type: ManagerTypeSchema.optional(),
    sleeptime_agent_frequency: z.number().int().min(1).nullable().optional(),
    manager_agent_id: z.string().nullable().optional(),
  })
  .loose();

const GroupUpdateSchema = z
  .object({
    description: z.string().nullable().optional(),
    manager_config: ManagerConfigUpdateSchema.nullable().optional(),
  })
  .loose();

const GroupFilterSchema = {
  manager_type: ManagerTypeSchema.optional().describe("Only groups with this manager type"),
  project_id: z.string().optional(),
};

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
      query: pageQuerySchema({ order: "asc", limit: 50 }).extend(GroupFilterSchema),
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
      query: z.object(GroupFilterSchema),
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
      handle: ({ params, body }) =>
        sleeptime.updateGroup(params.group_id, {
          description: body.description ?? undefined,
          sleeptime_agent_frequency: body.manager_config?.sleeptime_agent_frequency,
        }),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/groups/{group_id}",
      operationId: "delete_group",
      summary: "Delete a group (a sleep-time group takes its sleep-time agent with it)",
      tag: "groups",
      response: z.object({ message: z.string() }),
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
      query: z.object({ manager_type: ManagerTypeSchema.optional() }).loose(),
      response: z.array(GroupSchema),
      handle: ({ params, query }) => sleeptime.groupsOfAgent(params.agent_id, query.manager_type),
    }),
  ];
}
