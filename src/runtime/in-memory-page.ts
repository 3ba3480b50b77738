import type { PageQuery } from "../domain/index.js";

/**
 * Letta's cursor paging over a list already in memory: sorted by `created_at` (then id) in `order`,
 * `after`/`before` are ids relative to that order; a cursor that names no item is ignored, as in the
 * store.
 */
export function pageInMemory<T extends { id: string; created_at: string }>(
  items: readonly T[],
  page: PageQuery,
): T[] {
  const sorted = [...items].sort(
    (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
  if (page.order !== "asc") sorted.reverse();
  let start = 0;
  let end = sorted.length;
  const afterIndex = page.after === undefined ? -1 : indexOf(sorted, page.after);
  const beforeIndex = page.before === undefined ? -1 : indexOf(sorted, page.before);
  if (afterIndex >= 0) start = afterIndex + 1;
  if (beforeIndex >= 0) end = beforeIndex;
  const window = sorted.slice(start, Math.max(start, end));
  if (page.limit === undefined) return window;
  // With only `before`, the page is the items just before the cursor, as the SDK pages backwards.
  return beforeIndex >= 0 && afterIndex < 0
    ? window.slice(Math.max(0, window.length - page.limit))
    : window.slice(0, page.limit);
}

function indexOf(items: ReadonlyArray<{ id: string }>, cursor: string): number {
  return items.findIndex((item) => item.id === cursor);
}
