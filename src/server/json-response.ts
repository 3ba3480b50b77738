import { performance } from "node:perf_hooks";

/** Arrays longer than this are serialized a slice at a time, as a stream. */
const STREAMED_FROM = 256;
/** How long one slice of serializing may run before the event loop gets a turn. */
const SLICE_MS = 8;

/**
 * The JSON text of a response body, as `JSON.stringify` gives it. A long array (thousands of passages
 * with their vectors, as an archival insert of 10 MB answers) becomes a stream that serializes and
 * sends a slice of elements at a time, with a turn of the event loop between slices: serialized and
 * written in one piece it held the loop for over a second.
 */
export function jsonResponseBody(value: unknown): string | ReadableStream<Uint8Array> {
  if (!Array.isArray(value) || value.length < STREAMED_FROM) return JSON.stringify(value ?? null);
  const elements = value as unknown[];
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next > 0) await new Promise((resolve) => setImmediate(resolve));
      const started = performance.now();
      const parts: string[] = [next === 0 ? "[" : ","];
      do {
        // As in an array, what JSON cannot hold (undefined, a function) is null.
        parts.push(JSON.stringify(elements[next]) ?? "null", ",");
        next++;
      } while (next < elements.length && performance.now() - started < SLICE_MS);
      parts.pop();
      if (next === elements.length) parts.push("]");
      controller.enqueue(encoder.encode(parts.join("")));
      if (next === elements.length) controller.close();
    },
  });
}
