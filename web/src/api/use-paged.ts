import { useCallback, useEffect, useRef, useState } from "react";
import { errorDetail } from "./client";

/**
 * A list read page by page with Letta's cursor paging (`after` = the last id seen): the first page
 * on mount or when `deps` change, the next on `loadMore`.
 */
export function usePaged<T extends { id?: string | null }>(
  fetchPage: (after: string | undefined) => Promise<T[]>,
  pageSize: number,
  deps: readonly unknown[],
) {
  const [items, setItems] = useState<T[]>([]);
  const [hasMore, setHasMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const itemsRef = useRef<T[]>([]);
  const loadingRef = useRef(false);

  const load = useCallback(
    async (reset: boolean) => {
      if (loadingRef.current && !reset) return;
      const mine = reset ? ++generation.current : generation.current;
      loadingRef.current = true;
      setLoading(true);
      try {
        const after = reset ? undefined : (itemsRef.current.at(-1)?.id ?? undefined);
        const page = await fetchRef.current(after);
        if (mine !== generation.current) return;
        const next = reset ? page : [...itemsRef.current, ...page];
        itemsRef.current = next;
        setItems(next);
        setHasMore(page.length >= pageSize);
        setError(undefined);
      } catch (failure) {
        if (mine === generation.current) {
          setError(errorDetail(failure));
          setHasMore(false);
        }
      } finally {
        if (mine === generation.current) {
          loadingRef.current = false;
          setLoading(false);
        }
      }
    },
    [pageSize],
  );

  useEffect(() => {
    itemsRef.current = [];
    setItems([]);
    setHasMore(true);
    void load(true);
  }, [...deps, load]);

  return {
    items,
    hasMore,
    loading,
    error,
    loadMore: useCallback(() => void load(false), [load]),
    reload: useCallback(() => void load(true), [load]),
    /** Drops one item locally (after a delete). */
    remove: useCallback((id: string) => {
      itemsRef.current = itemsRef.current.filter((item) => item.id !== id);
      setItems(itemsRef.current);
    }, []),
  };
}
