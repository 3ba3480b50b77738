import { z } from "zod";
import type { Services } from "../../runtime/services.js";
import { pageOf, pageQuerySchema } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

const TagListQuerySchema = pageQuerySchema({ order: "asc", limit: 50 }).extend({
  name: z.string().optional().describe("Case-insensitive substring of the tag"),
  query_text: z.string().optional().describe("Deprecated spelling of name"),
});

/** `/v1/tags/`: the distinct tags of all agents, alphabetical. */
export function tagRoutes(services: Services): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/tags/",
      operationId: "list_tags",
      summary: "List agent tags",
      tag: "tag",
      query: TagListQuerySchema,
      response: z.array(z.string()),
      handle: ({ query }) =>
        services.agents.listTags({ ...pageOf(query), query_text: query.name ?? query.query_text }),
    }),
  ];
}
