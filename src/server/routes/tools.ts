import { z } from "zod";
import {
  AgentStateSchema,
  ListAgentToolsQuerySchema,
  ListToolsQuerySchema,
  ReverieError,
  RunAgentToolRequestSchema,
  ToolApprovalQuerySchema,
  ToolApprovalRequestSchema,
  ToolCreateSchema,
  ToolExecutionResultSchema,
  ToolFilterQuerySchema,
  ToolRunFromSourceSchema,
  ToolRunResultSchema,
  ToolSchema,
  ToolUpdateSchema,
} from "../../domain/index.js";
import { pageInMemory } from "../../runtime/in-memory-page.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/tools/` and an agent's tools. */
export function toolRoutes(services: Services): AnyRoute[] {
  const { tools } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/tools/",
      operationId: "list_tools",
      summary: "List tools",
      tag: "tools",
      query: ListToolsQuerySchema,
      response: z.array(ToolSchema),
      handle: async ({ query }) => {
        const listed = await tools.list({ ...query, ids: query.tool_ids, ...pageOf(query) });
        return query.return_only_letta_tools
          ? listed.filter((tool) => tool.tool_type.startsWith("letta_"))
          : listed;
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/tools/count",
      operationId: "count_tools",
      summary: "Count tools",
      tag: "tools",
      query: ToolFilterQuerySchema,
      response: z.number().int(),
      handle: async ({ query }) => (await tools.list({ ...query, ids: query.tool_ids })).length,
    }),
    defineRoute({
      method: "post",
      path: "/v1/tools/",
      operationId: "create_tool",
      summary: "Create a custom tool from its source code",
      tag: "tools",
      body: ToolCreateSchema,
      response: ToolSchema,
      handle: ({ body }) => tools.create(body),
    }),
    defineRoute({
      method: "put",
      path: "/v1/tools/",
      operationId: "upsert_tool",
      summary: "Create a custom tool, or replace the one with the same name",
      tag: "tools",
      body: ToolCreateSchema,
      response: ToolSchema,
      handle: ({ body }) => tools.upsert(body),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/tools/{tool_id}",
      operationId: "modify_tool",
      summary: "Modify a tool",
      tag: "tools",
      body: ToolUpdateSchema,
      response: ToolSchema,
      handle: ({ params, body }) => tools.modify(params.tool_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/tools/{tool_id}",
      operationId: "delete_tool",
      summary: "Delete a tool and detach it from every agent",
      tag: "tools",
      response: z.null(),
      handle: async ({ params }) => {
        await tools.delete(params.tool_id);
        return null;
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/tools/add-base-tools",
      operationId: "add_base_tools",
      summary: "Create (or refresh) the built-in tools",
      tag: "tools",
      response: z.array(ToolSchema),
      handle: () => tools.addBaseTools(),
    }),
    defineRoute({
      method: "post",
      path: "/v1/tools/run",
      operationId: "run_tool_from_source",
      summary: "Run source code with arguments in the tool sandbox, without saving a tool",
      tag: "tools",
      body: ToolRunFromSourceSchema,
      response: ToolRunResultSchema,
      handle: ({ body }) => services.toolRuns.runFromSource(body),
    }),
    defineRoute({
      method: "post",
      path: "/v1/agents/{agent_id}/tools/{tool_name}/run",
      operationId: "run_tool_for_agent",
      summary: "Run one of an agent's custom tools with its secrets and memory",
      tag: "agents",
      body: RunAgentToolRequestSchema,
      response: ToolExecutionResultSchema,
      handle: ({ params, body }) =>
        services.toolRuns.runForAgent(params.agent_id, params.tool_name, body.args),
    }),
    defineRoute({
      method: "get",
      path: "/v1/tools/{tool_id}",
      operationId: "retrieve_tool",
      summary: "Retrieve a tool",
      tag: "tools",
      response: ToolSchema,
      handle: ({ params }) => tools.get(params.tool_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/tools",
      operationId: "list_agent_tools",
      summary: "List an agent's tools",
      tag: "agents",
      query: ListAgentToolsQuerySchema,
      response: z.array(ToolSchema),
      // Paged in memory: the SDK's `for await` re-asks with `after` until a page comes back empty.
      handle: async ({ params, query }) =>
        pageInMemory(await tools.listForAgent(params.agent_id), pageOf(query)),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/tools/attach/{tool_id}",
      operationId: "attach_tool",
      summary: "Attach a tool to an agent",
      tag: "agents",
      response: AgentStateSchema,
      handle: ({ params }) => tools.attach(params.agent_id, params.tool_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/tools/detach/{tool_id}",
      operationId: "detach_tool",
      summary: "Detach a tool from an agent",
      tag: "agents",
      response: AgentStateSchema,
      handle: ({ params }) => tools.detach(params.agent_id, params.tool_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/tools/approval/{tool_name}",
      operationId: "modify_tool_approval",
      summary: "Require (or stop requiring) approval before the agent runs a tool",
      tag: "agents",
      query: ToolApprovalQuerySchema,
      body: ToolApprovalRequestSchema,
      response: AgentStateSchema,
      handle: ({ params, query, body }) => {
        const value = body?.body_requires_approval ?? body?.requires_approval ?? query.requires_approval;
        if (value === undefined) {
          throw new ReverieError("validation", "Give `requires_approval` (query or body) as true or false");
        }
        return tools.setApproval(params.agent_id, params.tool_name, value);
      },
    }),
  ];
}
