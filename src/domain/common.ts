import { z } from "zod";

/** ISO-8601 timestamp string, always UTC with milliseconds. */
export const TimestampSchema = z.string();

/** Free-form JSON metadata attached to many entities. */
export const MetadataSchema = z.record(z.string(), z.unknown());
export type Metadata = z.infer<typeof MetadataSchema>;

export const SortOrderSchema = z.enum(["asc", "desc"]);
export type SortOrder = z.infer<typeof SortOrderSchema>;

/** Cursor paging as the Letta clients send it: `after` is the next item in the current order. */
export interface PageQuery {
  before?: string | undefined;
  after?: string | undefined;
  limit?: number | undefined;
  order?: SortOrder | undefined;
}

/** Supplies the current time; injected so tests can be deterministic. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The current time of a clock as the ISO string stored everywhere. */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

/** Letta's answer to a deletion that reports what it did (`{"message": "... successfully deleted"}`). */
export const DeletedMessageSchema = z.object({ message: z.string() });

/** A multipart form with no text fields (only its file). */
export const NoFormFieldsSchema = z.object({});
