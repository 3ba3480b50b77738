import type { BlockResponse } from "@letta-ai/letta-client/resources/blocks/blocks";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorDetail } from "../api/client";
import { useClient } from "../api/connection";

/** How often the blocks are re-read while the page is visible (sleep-time edits happen in the background). */
const POLL_MS = 3000;
/** How long a changed block stays highlighted. */
const HIGHLIGHT_MS = 6000;

export interface LiveBlock {
  block: BlockResponse;
  /** When its value last changed while on screen (ms since epoch), for the highlight. */
  changedAt: number | undefined;
}

/**
 * The agent's core blocks, kept live: re-read every few seconds and whenever `refresh()` is called
 * (the chat calls it after each tool result). A block whose value changed is marked for a highlight.
 */
export function useLiveBlocks(agentId: string) {
  const client = useClient();
  const [blocks, setBlocks] = useState<LiveBlock[]>([]);
  const [error, setError] = useState<string>();
  const previous = useRef(new Map<string, string>());
  const [, setTick] = useState(0);

  const refresh = useCallback(async () => {
    try {
      const page = await client.agents.blocks.list(agentId, { limit: 100 });
      const list = page.getPaginatedItems();
      const now = Date.now();
      // Compared here, not in the state updater: React runs that later, after `previous` moved on.
      const seen = previous.current;
      const changed = new Set(
        list
          .filter((block) => seen.has(block.id ?? "") && seen.get(block.id ?? "") !== block.value)
          .map((block) => block.id),
      );
      previous.current = new Map(list.map((block) => [block.id ?? "", block.value]));
      setBlocks((current) => {
        const changedBefore = new Map(current.map((entry) => [entry.block.id, entry.changedAt]));
        return list.map((block) => ({
          block,
          changedAt: changed.has(block.id) ? now : changedBefore.get(block.id ?? ""),
        }));
      });
      setError(undefined);
    } catch (failure) {
      setError(errorDetail(failure));
    }
  }, [client, agentId]);

  useEffect(() => {
    previous.current = new Map();
    setBlocks([]);
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void refresh();
      setTick((n) => n + 1); // lets expired highlights fade
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const isHighlighted = (entry: LiveBlock) =>
    entry.changedAt !== undefined && Date.now() - entry.changedAt < HIGHLIGHT_MS;
  return { blocks, error, refresh, isHighlighted };
}
