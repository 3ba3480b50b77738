import { setFlagsFromString } from "node:v8";
import { UsageError } from "./command.js";

/**
 * How far V8 lets the old generation grow past what the last full collection kept, in percent, unless
 * REVERIE_HEAP_GROWING_PERCENT says otherwise. Left to itself, V8 sizes the heap of a process allowed
 * gigabytes up to 4x its live size when collection is slow next to allocation (a loaded machine), and
 * the pages stay resident: a steady turn load with ~85 MB live held a 370 MB heap. At 50 the heap stays
 * within 1.5x of the live size, for more frequent full collections (bench:soak, README).
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 50;

/**
 * Applies the heap growth setting (`0`: V8's own sizing) to this process and returns the percent in
 * force, or undefined for V8's own. V8 reads the flag each time it sizes the heap, so it takes effect
 * from the next full collection on.
 */
export function applyHeapGrowth(setting: string | undefined): number | undefined {
  const text = setting?.trim() || String(DEFAULT_HEAP_GROWING_PERCENT);
  const percent = Number(text);
  if (!/^\d+$/.test(text) || percent > 1000) {
    throw new UsageError(
      `REVERIE_HEAP_GROWING_PERCENT must be an integer from 0 (V8's own heap sizing) to 1000, got '${setting}'`,
    );
  }
  if (percent === 0) return undefined;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
