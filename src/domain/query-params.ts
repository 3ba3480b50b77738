import { z } from "zod";
import { SortOrderSchema } from "./common.js";

/** A boolean query parameter (`true`/`false`, `1`/`0`...). */
export const queryBoolean = () => z.stringbool().meta({ type: "boolean" });

/** An integer query parameter. */
export const queryInt = () => z.coerce.number().int();

/** A repeated query parameter (`?tags=a&tags=b`, also `tags[]=a`). */
export const queryArray = () => z.array(z.string());

/**
 * The cursor paging parameters of a Letta list, with that list's defaults (they differ: agents are
 * newest first, blocks and tags oldest/alphabetical first). `after` is the next item in `order`.
 */
export function pageQuerySchema(defaults: { order: "asc" | "desc"; limit: number }) {
  return z.object({
    before: z.string().optional().describe("Cursor: return items before this id in the sort order"),
    after: z.string().optional().describe("Cursor: return items after this id in the sort order"),
    limit: queryInt().min(1).default(defaults.limit).describe("Maximum number of items to return"),
    order: SortOrderSchema.default(defaults.order).describe("Sort order by creation time"),
    order_by: z.string().optional().describe("Accepted for compatibility; items are sorted by creation time"),
  });
}

/** Only the paging fields of a parsed query, without undefined ones. */
export function pageOf(query: {
  before?: string | undefined;
  after?: string | undefined;
  limit?: number | undefined;
  order?: "asc" | "desc" | undefined;
}) {
  return { before: query.before, after: query.after, limit: query.limit, order: query.order };
}
