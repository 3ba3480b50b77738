import {
  type Block,
  type BlockDiff,
  type BlockDiffQuery,
  type BlockHistoryChange,
  type BlockRevision,
  notFound,
  type PageQuery,
  type RestoreBlockRequest,
  ReverieError,
} from "../../domain/index.js";
import type { RevisionChange, Store } from "../../store/store.js";
import { USER_ACTOR } from "../block-records.js";
import { diffLines, formatDiff } from "./line-diff.js";

/** Dependencies of the block history service. */
export interface BlockHistoryServiceDeps {
  store: Store;
}

/**
 * A block's revisions (`/v1/blocks/{id}/history`): listing, diffs between any two states, restoring a
 * revision, and undo/redo of edits. Restore, undo and redo are writes like any other: each appends a
 * revision, so they can themselves be undone and nothing is ever lost from the history.
 */
export interface BlockHistoryService {
  /** Revisions, newest first unless told; cursors are revision ids of this block. */
  list(blockId: string, page: PageQuery): Promise<BlockRevision[]>;
  /** 404 if the block is unknown or the revision is not one of its own. */
  get(blockId: string, revisionId: string): Promise<BlockRevision>;
  diff(blockId: string, query: BlockDiffQuery): Promise<BlockDiff>;
  /** Gives the block the value and label it had right after the revision. */
  restore(blockId: string, request: RestoreBlockRequest): Promise<BlockHistoryChange>;
  /** Reverts the latest edit not yet undone (by anyone: a user, an agent, sleep-time); 409 if none. */
  undo(blockId: string): Promise<BlockHistoryChange>;
  /** Applies again the latest undone edit, while no new edit came after the undo; 409 if none. */
  redo(blockId: string): Promise<BlockHistoryChange>;
}

/** Builds the block history service over the store. */
export function createBlockHistoryService(deps: BlockHistoryServiceDeps): BlockHistoryService {
  const { store } = deps;

  async function requireBlock(blockId: string, from: Store = store): Promise<Block> {
    const block = await from.blocks.get(blockId);
    if (block === undefined) throw notFound("Block", blockId);
    return block;
  }

  /**
   * A revision of the block; one named in the path that does not exist is a 404, one named in a body
   * (`restore`'s revision_id) a 422: the block the path names exists, the request cannot be applied.
   */
  async function requireRevision(
    blockId: string,
    revisionId: string,
    from: Store = store,
    named: "path" | "body" = "path",
  ) {
    const revision = await from.blocks.getRevision(blockId, revisionId);
    if (revision === undefined) {
      const message = `Revision '${revisionId}' of block '${blockId}' not found`;
      if (named === "body") throw new ReverieError("validation", `revision_id: ${message}`);
      throw new ReverieError("not_found", message);
    }
    return revision;
  }

  async function requireSeq(tx: Store, blockId: string, seq: number): Promise<BlockRevision> {
    const revision = await tx.blocks.revisionAt(blockId, seq);
    if (revision === undefined)
      throw new ReverieError("internal", `Revision ${seq} of block '${blockId}' is missing`);
    return revision;
  }

  /** Writes `value` and `label` back as a history operation, in the caller's transaction. */
  async function rewrite(
    tx: Store,
    block: Block,
    target: { value: string; label: string; seq: number },
    change: RevisionChange,
  ): Promise<BlockHistoryChange> {
    if (target.value.length > block.limit) {
      throw new ReverieError(
        "validation",
        `The value of revision ${target.seq} of block '${block.label}' is ${target.value.length} characters, ` +
          `over the block's limit of ${block.limit}; raise the limit (PATCH /v1/blocks/${block.id}) first`,
      );
    }
    const updated = await tx.blocks.update(
      block.id,
      { value: target.value, label: target.label },
      USER_ACTOR,
      change,
    );
    if (updated === undefined) throw notFound("Block", block.id);
    const revision = await tx.blocks.latestRevision(block.id);
    if (revision === undefined) throw new ReverieError("internal", `Block '${block.id}' has no revision`);
    return { block: updated, revision };
  }

  return {
    async list(blockId, page) {
      await requireBlock(blockId);
      for (const cursor of [page.after, page.before]) {
        if (cursor !== undefined && (await store.blocks.getRevision(blockId, cursor)) === undefined) {
          // A cursor naming nothing is a 404, as Letta answers for the lists that check their cursors.
          throw new ReverieError("not_found", `Cursor '${cursor}' is not a revision of block '${blockId}'`);
        }
      }
      return store.blocks.revisions(blockId, page);
    },

    async get(blockId, revisionId) {
      await requireBlock(blockId);
      return requireRevision(blockId, revisionId);
    },

    async diff(blockId, query) {
      await requireBlock(blockId);
      const to =
        query.to === undefined
          ? await store.blocks.latestRevision(blockId)
          : await requireRevision(blockId, query.to);
      if (to === undefined) throw new ReverieError("not_found", `Block '${blockId}' has no revision`);
      const from = query.from === undefined ? undefined : await requireRevision(blockId, query.from);
      const oldValue = from === undefined ? to.old_value : from.new_value;
      const lines = diffLines(oldValue ?? "", to.new_value);
      return {
        block_id: blockId,
        from_revision_id: from?.id ?? null,
        from_seq: from?.seq ?? null,
        to_revision_id: to.id,
        to_seq: to.seq,
        old_label: from === undefined ? to.old_label : from.new_label,
        new_label: to.new_label,
        old_value: oldValue,
        new_value: to.new_value,
        lines,
        diff: formatDiff(lines),
        added: lines.filter((line) => line.op === "insert").length,
        removed: lines.filter((line) => line.op === "delete").length,
      };
    },

    restore: (blockId, request) =>
      store.transaction(async (tx) => {
        const block = await requireBlock(blockId, tx);
        const revision = await requireRevision(blockId, request.revision_id, tx, "body");
        const target = { value: revision.new_value, label: revision.new_label, seq: revision.seq };
        return rewrite(tx, block, target, { operation: "restore", target_seq: revision.seq });
      }),

    undo: (blockId) =>
      store.transaction(async (tx) => {
        const block = await requireBlock(blockId, tx);
        const seq = (await tx.blocks.latestRevision(blockId))?.undo_seq ?? null;
        if (seq === null) {
          throw new ReverieError(
            "conflict",
            `Nothing to undo: block '${block.label}' has no edit left to revert`,
          );
        }
        const edit = await requireSeq(tx, blockId, seq);
        if (edit.old_value === null || edit.old_label === null) {
          throw new ReverieError("internal", `Revision ${seq} of block '${blockId}' is its creation`);
        }
        const target = { value: edit.old_value, label: edit.old_label, seq: seq - 1 };
        return rewrite(tx, block, target, { operation: "undo", target_seq: seq });
      }),

    redo: (blockId) =>
      store.transaction(async (tx) => {
        const block = await requireBlock(blockId, tx);
        const seq = (await tx.blocks.latestRevision(blockId))?.redo_seq ?? null;
        if (seq === null) {
          throw new ReverieError(
            "conflict",
            `Nothing to redo: block '${block.label}' has no undone edit to apply`,
          );
        }
        const edit = await requireSeq(tx, blockId, seq);
        const target = { value: edit.new_value, label: edit.new_label, seq };
        return rewrite(tx, block, target, { operation: "redo", target_seq: seq });
      }),
  };
}
