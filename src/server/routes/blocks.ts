import { z } from "zod";
import {
  AgentStateSchema,
  BlockDiffQuerySchema,
  BlockDiffSchema,
  BlockHistoryChangeSchema,
  BlockHistoryQuerySchema,
  BlockRevisionSchema,
  BlockSchema,
  CreateBlockSchema,
  ListBlockAgentsQuerySchema,
  ListBlocksQuerySchema,
  RestoreBlockRequestSchema,
  UpdateBlockSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/blocks/`: standalone core memory blocks. */
export function blockRoutes(services: Services): AnyRoute[] {
  const { blocks, blockHistory } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/blocks/",
      operationId: "list_blocks",
      summary: "List blocks",
      tag: "blocks",
      query: ListBlocksQuerySchema,
      response: z.array(BlockSchema),
      handle: async ({ query }) => {
        const listed = await blocks.list({ ...query, ...pageOf(query) });
        return query.name === undefined
          ? listed
          : listed.filter((block) => block.template_name === query.name);
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/blocks/",
      operationId: "create_block",
      summary: "Create a block",
      tag: "blocks",
      body: CreateBlockSchema,
      response: BlockSchema,
      handle: ({ body }) => blocks.create(body),
    }),
    defineRoute({
      method: "get",
      path: "/v1/blocks/{block_id}",
      operationId: "retrieve_block",
      summary: "Retrieve a block",
      tag: "blocks",
      response: BlockSchema,
      handle: ({ params }) => blocks.get(params.block_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/blocks/{block_id}",
      operationId: "modify_block",
      summary: "Modify a block (every agent it is attached to sees the change)",
      tag: "blocks",
      body: UpdateBlockSchema,
      response: BlockSchema,
      handle: ({ params, body }) => blocks.update(params.block_id, body),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/blocks/{block_id}",
      operationId: "delete_block",
      summary: "Delete a block and detach it from every agent",
      tag: "blocks",
      response: z.null(),
      handle: async ({ params }) => {
        await blocks.delete(params.block_id);
        return null;
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/blocks/{block_id}/agents",
      operationId: "list_agents_for_block",
      summary: "List the agents a block is attached to",
      tag: "blocks",
      query: ListBlockAgentsQuerySchema,
      response: z.array(AgentStateSchema),
      handle: ({ params, query }) => blocks.listAgents(params.block_id, pageOf(query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/blocks/{block_id}/history",
      operationId: "list_block_history",
      summary: "List a block's revisions (who, which run, when, old and new value), newest first",
      tag: "blocks",
      query: BlockHistoryQuerySchema,
      response: z.array(BlockRevisionSchema),
      handle: ({ params, query }) => blockHistory.list(params.block_id, pageOf(query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/blocks/{block_id}/history/{revision_id}",
      operationId: "retrieve_block_revision",
      summary: "Retrieve one revision of a block",
      tag: "blocks",
      response: BlockRevisionSchema,
      handle: ({ params }) => blockHistory.get(params.block_id, params.revision_id),
    }),
    defineRoute({
      method: "get",
      path: "/v1/blocks/{block_id}/diff",
      operationId: "diff_block",
      summary: "Line diff between two revisions of a block (by default: what its latest revision changed)",
      tag: "blocks",
      query: BlockDiffQuerySchema,
      response: BlockDiffSchema,
      handle: ({ params, query }) => blockHistory.diff(params.block_id, query),
    }),
    defineRoute({
      method: "post",
      path: "/v1/blocks/{block_id}/restore",
      operationId: "restore_block",
      summary: "Give a block the value and label of one of its revisions (recorded as a new revision)",
      tag: "blocks",
      body: RestoreBlockRequestSchema,
      response: BlockHistoryChangeSchema,
      handle: ({ params, body }) => blockHistory.restore(params.block_id, body),
    }),
    defineRoute({
      method: "post",
      path: "/v1/blocks/{block_id}/undo",
      operationId: "undo_block_edit",
      summary: "Revert the block's latest edit not yet undone (recorded as a new revision)",
      tag: "blocks",
      response: BlockHistoryChangeSchema,
      handle: ({ params }) => blockHistory.undo(params.block_id),
    }),
    defineRoute({
      method: "post",
      path: "/v1/blocks/{block_id}/redo",
      operationId: "redo_block_edit",
      summary: "Apply again the block's latest undone edit (recorded as a new revision)",
      tag: "blocks",
      response: BlockHistoryChangeSchema,
      handle: ({ params }) => blockHistory.redo(params.block_id),
    }),
  ];
}
