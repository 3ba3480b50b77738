import { z } from "zod";
import { ListTagsQuerySchema } from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/tags/`: the distinct tags of all agents, alphabetical. */
export function tagRoutes(services: Services): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/tags/",
      operationId: "list_tags",
      summary: "List agent tags",
      tag: "tag",
      query: ListTagsQuerySchema,
      response: z.array(z.string()),
      handle: ({ query }) =>
        services.agents.listTags({ ...pageOf(query), query_text: query.name ?? query.query_text }),
    }),
  ];
}
