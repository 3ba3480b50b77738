import {
  type Actor,
  type Block,
  type Clock,
  type CreateBlock,
  DEFAULT_BLOCK_LIMIT,
  type IdGenerator,
  isoNow,
  ReverieError,
  type UpdateBlock,
} from "../domain/index.js";

/** The actor of every write made through the API (there are no user accounts yet). */
export const USER_ACTOR: Actor = { type: "user", id: null };

/** A new block row from a create body; the value must fit its limit. */
export function newBlock(input: CreateBlock, deps: { ids: IdGenerator; clock: Clock }): Block {
  const now = isoNow(deps.clock);
  const block: Block = {
    id: deps.ids.next("block"),
    label: input.label,
    value: input.value,
    limit: input.limit ?? Math.max(DEFAULT_BLOCK_LIMIT, input.value.length),
    description: input.description ?? null,
    read_only: input.read_only ?? false,
    hidden: input.hidden ?? null,
    metadata: input.metadata ?? {},
    tags: input.tags ?? [],
    is_template: input.is_template ?? false,
    template_name: input.template_name ?? null,
    project_id: input.project_id ?? null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: now,
    updated_at: now,
  };
  assertFitsLimit(block);
  return block;
}

/** The store patch of an update body, checked against the block it applies to. */
export function blockPatch(current: Block, input: UpdateBlock): Partial<Omit<Block, "id" | "created_at">> {
  const patch: Partial<Omit<Block, "id" | "created_at">> = {};
  if (input.label !== undefined) patch.label = input.label;
  if (input.value !== undefined) patch.value = input.value;
  if (input.limit !== undefined) patch.limit = input.limit;
  if (input.description !== undefined) patch.description = input.description;
  if (input.read_only !== undefined) patch.read_only = input.read_only;
  if (input.hidden !== undefined) patch.hidden = input.hidden;
  if (input.metadata !== undefined) patch.metadata = input.metadata ?? {};
  if (input.tags !== undefined) patch.tags = input.tags ?? [];
  if (input.is_template !== undefined) patch.is_template = input.is_template;
  if (input.template_name !== undefined) patch.template_name = input.template_name;
  if (input.project_id !== undefined) patch.project_id = input.project_id;
  assertFitsLimit({ ...current, ...patch });
  return patch;
}

/** Letta refuses a block whose value is longer than its limit; so do we (422, naming the field). */
function assertFitsLimit(block: Pick<Block, "label" | "value" | "limit">): void {
  if (block.value.length > block.limit) {
    throw new ReverieError(
      "validation",
      `value: block '${block.label}' exceeds its ${block.limit} character limit (requested ${block.value.length})`,
    );
  }
}

/** Refuses two blocks with one label for one agent, before anything is written. */
export function assertUniqueLabels(blocks: ReadonlyArray<Pick<Block, "label">>): void {
  const seen = new Set<string>();
  for (const { label } of blocks) {
    if (seen.has(label)) {
      throw new ReverieError("conflict", `An agent can have only one block labelled '${label}'`);
    }
    seen.add(label);
  }
}
