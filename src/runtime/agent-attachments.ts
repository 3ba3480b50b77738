import {
  type Block,
  type Clock,
  type IdGenerator,
  notFound,
  ReverieError,
  type Tool,
} from "../domain/index.js";
import type { Store } from "../store/store.js";
import { assertUniqueLabels } from "./block-records.js";
import { upsertBaseTools } from "./tools/base-tools.js";
import { builtinTool } from "./tools/builtin-schemas.js";
import { pythonSet } from "./tools/multi-agent/python-repr.js";

/** The blocks with these ids, in that order; an unknown id is a 404 naming it. */
export async function requireBlocks(store: Store, ids: readonly string[]): Promise<Block[]> {
  const unique = [...new Set(ids)];
  const found = new Map((await store.blocks.getMany(unique)).map((block) => [block.id, block]));
  return unique.map((id) => {
    const block = found.get(id);
    if (block === undefined) throw notFound("Block", id);
    return block;
  });
}

/**
 * The tools named by `names` and `ids`, without duplicates. Unknown names are one 400 listing them all,
 * in Letta's words ("Tools not found by name: {...}", which letta-code recognises and recovers from);
 * a built-in name missing from the organization installs the built-ins first. An unknown id is a 404.
 */
export async function requireTools(
  store: Store,
  names: readonly string[],
  ids: readonly string[],
  deps: { clock: Clock; ids: IdGenerator },
): Promise<Tool[]> {
  const tools = new Map<string, Tool>();
  const uniqueNames = [...new Set(names)];
  let byName = await findToolsByName(store, uniqueNames);
  if (byName.length < uniqueNames.length && uniqueNames.some((name) => builtinTool(name) !== undefined)) {
    await upsertBaseTools(store, deps);
    byName = await findToolsByName(store, uniqueNames);
  }
  const found = new Set(byName.map((tool) => tool.name));
  const missing = uniqueNames.filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new ReverieError("invalid_argument", `Tools not found by name: ${pythonSet(missing)}`);
  }
  for (const tool of byName) tools.set(tool.id, tool);
  for (const id of ids) {
    const tool = await store.tools.get(id);
    if (tool === undefined) throw notFound("Tool", id);
    tools.set(tool.id, tool);
  }
  return [...tools.values()];
}

/**
 * The stored tools among `names`, skipping missing ones: the built-in tools an agent gets by default
 * are attached only once they have been registered in the store.
 */
export async function findToolsByName(store: Store, names: readonly string[]): Promise<Tool[]> {
  const found = await Promise.all(names.map((name) => store.tools.getByName(name)));
  return found.filter((tool) => tool !== undefined);
}

/** Checks that every identity exists (404 naming the first unknown one). */
export async function requireIdentities(store: Store, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    if ((await store.identities.get(id)) === undefined) throw notFound("Identity", id);
  }
  return unique;
}

/** Checks that every message exists (404 naming the first unknown one). */
export async function requireMessages(store: Store, ids: readonly string[]): Promise<void> {
  const found = new Set((await store.messages.getMany(ids)).map((message) => message.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound("Message", missing);
}

/** Makes the agent's blocks exactly `blocks` (in that order for the new ones). */
export async function replaceBlocks(store: Store, agentId: string, blocks: readonly Block[]): Promise<void> {
  assertUniqueLabels(blocks);
  const wanted = new Set(blocks.map((block) => block.id));
  const current = await store.blocks.listForAgent(agentId);
  for (const block of current) {
    if (!wanted.has(block.id)) await store.blocks.detach(agentId, block.id);
  }
  const kept = new Set(current.map((block) => block.id));
  for (const block of blocks) {
    if (!kept.has(block.id)) await store.blocks.attach(agentId, block.id);
  }
}

/** Makes the agent's tools exactly `tools`. */
export async function replaceTools(store: Store, agentId: string, tools: readonly Tool[]): Promise<void> {
  const wanted = new Set(tools.map((tool) => tool.id));
  const current = await store.tools.listForAgent(agentId);
  for (const tool of current) {
    if (!wanted.has(tool.id)) await store.tools.detach(agentId, tool.id);
  }
  const kept = new Set(current.map((tool) => tool.id));
  for (const id of wanted) {
    if (!kept.has(id)) await store.tools.attach(agentId, id);
  }
}

/** Makes the agent's identities exactly `identityIds`. */
export async function replaceIdentities(
  store: Store,
  agentId: string,
  identityIds: readonly string[],
): Promise<void> {
  const wanted = new Set(identityIds);
  const current = await store.identities.listForAgent(agentId);
  for (const identity of current) {
    if (!wanted.has(identity.id)) await store.identities.detach(agentId, identity.id);
  }
  const kept = new Set(current.map((identity) => identity.id));
  for (const id of identityIds) {
    if (!kept.has(id)) await store.identities.attach(agentId, id);
  }
}
