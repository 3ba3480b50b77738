import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useEffect, useRef } from "react";

/**
 * A virtualized list: only the rows in view (plus a few) are in the DOM, so 10,000 passages or
 * messages scroll smoothly. Rows are measured as they render. When the last rows come into view and
 * `hasMore`, `loadMore` fetches the next page from the API.
 */
export function VirtualList<T>({
  items,
  estimateSize,
  renderItem,
  getKey,
  hasMore,
  loadMore,
  loading,
  label,
  height = "60vh",
}: {
  items: T[];
  estimateSize: number;
  renderItem(item: T, index: number): ReactNode;
  getKey(item: T): string;
  hasMore: boolean;
  loadMore(): void;
  loading: boolean;
  label: string;
  height?: string;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => estimateSize,
    getItemKey: (index) => getKey(items[index] as T),
    overscan: 8,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const last = virtualItems.at(-1);

  useEffect(() => {
    if (last && last.index >= items.length - 20 && hasMore && !loading) loadMore();
  }, [last, items.length, hasMore, loading, loadMore]);

  return (
    <div ref={parentRef} className="virtual-list" style={{ height }}>
      <ul
        aria-label={label}
        style={{ height: virtualizer.getTotalSize(), position: "relative", width: "100%" }}
      >
        {virtualItems.map((row) => (
          <li
            key={row.key}
            data-index={row.index}
            ref={virtualizer.measureElement}
            style={{
              position: "absolute",
              top: 0,
              left: 0,
              width: "100%",
              transform: `translateY(${row.start}px)`,
            }}
          >
            {renderItem(items[row.index] as T, row.index)}
          </li>
        ))}
      </ul>
      {loading ? <p className="muted list-status">Loading…</p> : null}
      {!loading && items.length === 0 ? <p className="muted list-status">Nothing here yet.</p> : null}
    </div>
  );
}
