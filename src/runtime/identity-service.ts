import {
  type AgentState,
  type Block,
  type CreateIdentity,
  type Identity,
  type IdGenerator,
  notFound,
  ReverieError,
  type UpdateIdentity,
} from "../domain/index.js";
import type { IdentityListQuery, Store } from "../store/store.js";
import type { AgentService } from "./agent-service.js";

type Property = Identity["properties"][number];

/** Letta's identities: the end users (or organizations) one tenant's agents and blocks belong to. */
export interface IdentityService {
  create(input: CreateIdentity): Promise<Identity>;
  /** Creates the identity of `identifier_key` (in its project), or replaces the fields of the one there is. */
  upsert(input: CreateIdentity): Promise<Identity>;
  list(query: IdentityListQuery): Promise<Identity[]>;
  count(): Promise<number>;
  get(id: string): Promise<Identity>;
  update(id: string, patch: UpdateIdentity): Promise<Identity>;
  /** Replaces the identity's properties. */
  replaceProperties(id: string, properties: Property[]): Promise<Identity>;
  delete(id: string): Promise<void>;
  agentsOf(id: string, page: IdentityListQuery): Promise<AgentState[]>;
  blocksOf(id: string): Promise<Block[]>;
  attachAgent(agentId: string, identityId: string): Promise<void>;
  detachAgent(agentId: string, identityId: string): Promise<void>;
  attachBlock(blockId: string, identityId: string): Promise<Block>;
  detachBlock(blockId: string, identityId: string): Promise<Block>;
}

const unique = (ids: readonly string[] | null | undefined) => [...new Set(ids ?? [])];

export function createIdentityService(deps: {
  store: Store;
  ids: IdGenerator;
  agents: AgentService;
}): IdentityService {
  const { store } = deps;

  async function get(id: string, from: Store = store): Promise<Identity> {
    const identity = await from.identities.get(id);
    if (identity === undefined) throw notFound("Identity", id);
    return identity;
  }

  async function findByKey(
    from: Store,
    key: string,
    projectId: string | null,
  ): Promise<Identity | undefined> {
    const matches = await from.identities.list({ identifier_key: key, limit: 1000 });
    return matches.find((identity) => identity.project_id === projectId);
  }

  async function block(id: string): Promise<Block> {
    const found = await store.blocks.get(id);
    if (found === undefined) throw notFound("Block", id);
    return found;
  }

  async function create(tx: Store, input: CreateIdentity): Promise<Identity> {
    const projectId = input.project_id ?? null;
    if ((await findByKey(tx, input.identifier_key, projectId)) !== undefined) {
      throw new ReverieError(
        "conflict",
        `An identity with identifier_key '${input.identifier_key}' already exists: use PUT /v1/identities/ to upsert it`,
      );
    }
    return tx.identities.create({
      id: deps.ids.next("identity"),
      identifier_key: input.identifier_key,
      name: input.name,
      identity_type: input.identity_type,
      project_id: projectId,
      properties: input.properties ?? [],
      agent_ids: unique(input.agent_ids),
      block_ids: unique(input.block_ids),
    });
  }

  return {
    create: (input) => store.transaction((tx) => create(tx, input)),

    upsert: (input) =>
      store.transaction(async (tx) => {
        const existing = await findByKey(tx, input.identifier_key, input.project_id ?? null);
        if (existing === undefined) return create(tx, input);
        const updated = await tx.identities.update(existing.id, {
          name: input.name,
          identity_type: input.identity_type,
          properties: input.properties ?? [],
          ...(input.agent_ids != null ? { agent_ids: unique(input.agent_ids) } : {}),
          ...(input.block_ids != null ? { block_ids: unique(input.block_ids) } : {}),
        });
        return updated ?? get(existing.id, tx);
      }),

    list: (query) => store.identities.list(query),

    async count() {
      return (await store.identities.list({ limit: 1_000_000 })).length;
    },

    get: (id) => get(id),

    update: (id, patch) =>
      store.transaction(async (tx) => {
        const current = await get(id, tx);
        const key = patch.identifier_key ?? current.identifier_key;
        if (key !== current.identifier_key) {
          const clash = await findByKey(tx, key, current.project_id);
          if (clash !== undefined) {
            throw new ReverieError("conflict", `An identity with identifier_key '${key}' already exists`);
          }
        }
        const updated = await tx.identities.update(id, {
          identifier_key: key,
          ...(patch.name != null ? { name: patch.name } : {}),
          ...(patch.identity_type != null ? { identity_type: patch.identity_type } : {}),
          ...(patch.properties != null ? { properties: patch.properties } : {}),
          ...(patch.agent_ids != null ? { agent_ids: unique(patch.agent_ids) } : {}),
          ...(patch.block_ids != null ? { block_ids: unique(patch.block_ids) } : {}),
        });
        if (updated === undefined) throw notFound("Identity", id);
        return updated;
      }),

    async replaceProperties(id, properties) {
      const updated = await store.identities.update(id, { properties });
      if (updated === undefined) throw notFound("Identity", id);
      return updated;
    },

    async delete(id) {
      if (!(await store.identities.delete(id))) throw notFound("Identity", id);
    },

    async agentsOf(id, page) {
      await get(id);
      return deps.agents.list({ ...page, identity_id: id });
    },

    async blocksOf(id) {
      const identity = await get(id);
      return store.blocks.getMany(identity.block_ids);
    },

    async attachAgent(agentId, identityId) {
      await store.identities.attach(agentId, identityId);
    },

    async detachAgent(agentId, identityId) {
      if ((await store.agents.get(agentId)) === undefined) throw notFound("Agent", agentId);
      await get(identityId);
      await store.identities.detach(agentId, identityId);
    },

    attachBlock: (blockId, identityId) =>
      store
        .transaction(async (tx) => {
          const identity = await get(identityId, tx);
          if ((await tx.blocks.get(blockId)) === undefined) throw notFound("Block", blockId);
          await tx.identities.update(identityId, { block_ids: unique([...identity.block_ids, blockId]) });
        })
        .then(() => block(blockId)),

    detachBlock: (blockId, identityId) =>
      store
        .transaction(async (tx) => {
          const identity = await get(identityId, tx);
          if ((await tx.blocks.get(blockId)) === undefined) throw notFound("Block", blockId);
          await tx.identities.update(identityId, {
            block_ids: identity.block_ids.filter((id) => id !== blockId),
          });
        })
        .then(() => block(blockId)),
  };
}
