import {
  type AgentState,
  type Block,
  notFound,
  type PageQuery,
  ReverieError,
  type UpdateBlock,
} from "../domain/index.js";
import type { Store } from "../store/store.js";
import { buildAgentState } from "./agent-state.js";
import { blockPatch, USER_ACTOR } from "./block-records.js";
import { pageInMemory } from "./in-memory-page.js";
import { syncSleeptimeBlocks } from "./sleeptime/sleeptime-agents.js";

/** Dependencies of the core memory service. */
export interface CoreMemoryServiceDeps {
  store: Store;
}

/** An agent's core memory (`/v1/agents/{id}/core-memory/blocks`), addressed by label. */
export interface CoreMemoryService {
  listBlocks(agentId: string, page: PageQuery): Promise<Block[]>;
  /** 404 if the agent or the label is unknown. */
  getBlock(agentId: string, label: string): Promise<Block>;
  /** Edits the block (shared blocks change for every agent) and records a revision by the API user. */
  updateBlock(agentId: string, label: string, patch: UpdateBlock): Promise<Block>;
  /** 409 if the agent already has another block with that label. */
  attach(agentId: string, blockId: string): Promise<AgentState>;
  /** 404 if the block is not attached to the agent. */
  detach(agentId: string, blockId: string): Promise<AgentState>;
}

/** Builds the core memory service over the store. */
export function createCoreMemoryService(deps: CoreMemoryServiceDeps): CoreMemoryService {
  const { store } = deps;

  async function requireAgent(agentId: string, from: Store = store) {
    const agent = await from.agents.get(agentId);
    if (agent === undefined) throw notFound("Agent", agentId);
    return agent;
  }

  async function requireLabel(agentId: string, label: string, from: Store = store): Promise<Block> {
    await requireAgent(agentId, from);
    const block = await from.blocks.getForAgentByLabel(agentId, label);
    if (block === undefined) {
      throw new ReverieError("not_found", `Block with label '${label}' not found for agent '${agentId}'`);
    }
    return block;
  }

  return {
    async listBlocks(agentId, page) {
      await requireAgent(agentId);
      return pageInMemory(await store.blocks.listForAgent(agentId), page);
    },

    getBlock: (agentId, label) => requireLabel(agentId, label),

    updateBlock: (agentId, label, patch) =>
      store.transaction(async (tx) => {
        const block = await requireLabel(agentId, label, tx);
        const updated = await tx.blocks.update(block.id, blockPatch(block, patch), USER_ACTOR);
        if (updated === undefined) throw notFound("Block", block.id);
        return updated;
      }),

    attach: (agentId, blockId) =>
      store.transaction(async (tx) => {
        const agent = await requireAgent(agentId, tx);
        const block = await tx.blocks.get(blockId);
        if (block === undefined) throw notFound("Block", blockId);
        const clash = await tx.blocks.getForAgentByLabel(agentId, block.label);
        if (clash !== undefined && clash.id !== block.id) {
          throw new ReverieError(
            "conflict",
            `Agent '${agentId}' already has a block labelled '${block.label}' (${clash.id}); detach it first`,
          );
        }
        await tx.blocks.attach(agentId, blockId);
        // A sleep-time agent shares its primary's memory: it gets the block too.
        await syncSleeptimeBlocks(tx, agentId);
        return buildAgentState(tx, agent);
      }),

    detach: (agentId, blockId) =>
      store.transaction(async (tx) => {
        const agent = await requireAgent(agentId, tx);
        if (!(await tx.blocks.detach(agentId, blockId))) {
          throw new ReverieError(
            "not_found",
            `Block with id '${blockId}' is not attached to agent '${agentId}'`,
          );
        }
        await syncSleeptimeBlocks(tx, agentId);
        return buildAgentState(tx, agent);
      }),
  };
}
