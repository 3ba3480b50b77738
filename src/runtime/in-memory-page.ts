import { type PageQuery, ReverieError } from "../domain/index.js";

/**
 * Letta's cursor paging over a list already in memory: sorted by `created_at` (then id) in `order`,
 * `after`/`before` are ids relative to that order; an unknown cursor is a 400, as in the store.
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
  if (page.after !== undefined) {
    const index = indexOf(sorted, page.after);
    start = index + 1;
  }
  if (page.before !== undefined) {
    const index = indexOf(sorted, page.before);
    end = index;
  }
  const window = sorted.slice(start, Math.max(start, end));
  if (page.limit === undefined) return window;
  // With only `before`, the page is the items just before the cursor, as the SDK pages backwards.
  return page.before !== undefined && page.after === undefined
    ? window.slice(Math.max(0, window.length - page.limit))
    : window.slice(0, page.limit);
}

function indexOf(items: ReadonlyArray<{ id: string }>, cursor: string): number {
  const index = items.findIndex((item) => item.id === cursor);
  if (index < 0)
    throw new ReverieError("invalid_argument", `Cursor '${cursor}' does not name an item of this list`);
  return index;
}
