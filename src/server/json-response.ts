import { performance } from "node:perf_hooks";

/** Arrays longer than this are serialized an element at a time, with turns for the event loop. */
const SLICED_FROM = 256;
/** How long serializing may run before the event loop gets a turn. */
const SLICE_MS = 8;

/**
 * The JSON text of a response body, as `JSON.stringify` gives it. A long array (thousands of passages
 * with their vectors, as an archival insert of 10 MB answers) is serialized element by element, letting
 * the event loop serve other requests every {@link SLICE_MS}: in one call it held the loop for seconds.
 */
export async function serializeJson(value: unknown): Promise<string> {
  if (!Array.isArray(value) || value.length < SLICED_FROM) return JSON.stringify(value ?? null);
  const parts: string[] = [];
  let sliceStart = performance.now();
  for (const element of value as unknown[]) {
    // As in an array, what JSON cannot hold (undefined, a function) is null.
    parts.push(JSON.stringify(element) ?? "null");
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return `[${parts.join(",")}]`;
}
