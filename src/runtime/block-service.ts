import {
  type AgentState,
  type Block,
  type Clock,
  type CreateBlock,
  type IdGenerator,
  notFound,
  type PageQuery,
  type UpdateBlock,
} from "../domain/index.js";
import type { BlockListQuery, Store } from "../store/store.js";
import { buildAgentState } from "./agent-state.js";
import { blockPatch, newBlock, USER_ACTOR } from "./block-records.js";

/** Dependencies of the block service. */
export interface BlockServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
}

/** Standalone blocks (`/v1/blocks`); every write records a revision by the API user. */
export interface BlockService {
  create(input: CreateBlock): Promise<Block>;
  list(query: BlockListQuery): Promise<Block[]>;
  /** 404 if unknown. */
  get(blockId: string): Promise<Block>;
  update(blockId: string, patch: UpdateBlock): Promise<Block>;
  delete(blockId: string): Promise<void>;
  /** The agents a block is attached to, as full AgentStates. */
  listAgents(blockId: string, page: PageQuery): Promise<AgentState[]>;
}

/** Builds the block service over its dependencies. */
export function createBlockService(deps: BlockServiceDeps): BlockService {
  const { store, clock, ids } = deps;

  async function get(blockId: string, from: Store = store): Promise<Block> {
    const block = await from.blocks.get(blockId);
    if (block === undefined) throw notFound("Block", blockId);
    return block;
  }

  return {
    get: (blockId) => get(blockId),

    create: (input) =>
      store.transaction((tx) => tx.blocks.create(newBlock(input, { ids, clock }), USER_ACTOR)),

    list: (query) => store.blocks.list(query),

    update: (blockId, patch) =>
      store.transaction(async (tx) => {
        const current = await get(blockId, tx);
        const updated = await tx.blocks.update(blockId, blockPatch(current, patch), USER_ACTOR);
        if (updated === undefined) throw notFound("Block", blockId);
        return updated;
      }),

    async delete(blockId) {
      if (!(await store.blocks.delete(blockId))) throw notFound("Block", blockId);
    },

    async listAgents(blockId, page) {
      await get(blockId);
      const agentIds = await store.blocks.agentIds(blockId, page);
      const agents = await Promise.all(agentIds.map((id) => store.agents.get(id)));
      return Promise.all(
        agents.filter((agent) => agent !== undefined).map((agent) => buildAgentState(store, agent)),
      );
    },
  };
}
