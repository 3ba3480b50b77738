import { z } from "zod";
import {
  AgentStateSchema,
  BlockSchema,
  ListAgentBlocksQuerySchema,
  UpdateBlockSchema,
} from "../../domain/index.js";
import type { Services } from "../../runtime/services.js";
import { pageOf } from "../paging.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** `/v1/agents/{agent_id}/core-memory/blocks`: an agent's blocks, addressed by label. */
export function coreMemoryRoutes(services: Services): AnyRoute[] {
  const { coreMemory } = services;
  return [
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/core-memory/blocks",
      operationId: "list_core_memory_blocks",
      summary: "List an agent's core memory blocks",
      tag: "agents",
      query: ListAgentBlocksQuerySchema,
      response: z.array(BlockSchema),
      handle: ({ params, query }) => coreMemory.listBlocks(params.agent_id, pageOf(query)),
    }),
    defineRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/core-memory/blocks/{block_label}",
      operationId: "retrieve_core_memory_block",
      summary: "Retrieve an agent's block by label",
      tag: "agents",
      response: BlockSchema,
      handle: ({ params }) => coreMemory.getBlock(params.agent_id, params.block_label),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/core-memory/blocks/{block_label}",
      operationId: "modify_core_memory_block",
      summary: "Modify an agent's block by label (shared blocks change for every agent)",
      tag: "agents",
      body: UpdateBlockSchema,
      response: BlockSchema,
      handle: ({ params, body }) => coreMemory.updateBlock(params.agent_id, params.block_label, body),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/core-memory/blocks/attach/{block_id}",
      operationId: "attach_core_memory_block",
      summary: "Attach a block to an agent (409 if it already has one with that label)",
      tag: "agents",
      response: AgentStateSchema,
      handle: ({ params }) => coreMemory.attach(params.agent_id, params.block_id),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/agents/{agent_id}/core-memory/blocks/detach/{block_id}",
      operationId: "detach_core_memory_block",
      summary: "Detach a block from an agent (the block itself stays)",
      tag: "agents",
      response: AgentStateSchema,
      handle: ({ params }) => coreMemory.detach(params.agent_id, params.block_id),
    }),
  ];
}
