// Loaded into the server under test by bench/soak.ts (node --import=<this file>): once a second it
// writes the process's memory as one JSON object to the file named by REVERIE_SOAK_PROBE_FILE (replaced
// whole, so a reader always sees a complete sample). Nothing is written when the variable is unset. With
// REVERIE_SOAK_PROBE_GC_MS set (and node's --expose-gc) it also runs a full garbage collection that often
// and reports the heap left after it, the live heap, as `live_heap`.
// Plain JavaScript: the server runs from dist/ under plain node, which cannot import TypeScript.
import { renameSync, writeFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { isMainThread } from "node:worker_threads";

const file = process.env.REVERIE_SOAK_PROBE_FILE;
// Worker threads load preloads too: only the main thread writes (the RSS it reports covers them all).
if (file && isMainThread) {
  let live = null;
  const write = () => {
    const usage = process.memoryUsage();
    const heap = getHeapStatistics();
    const sample = {
      at: Date.now(),
      rss: usage.rss,
      heap_total: usage.heapTotal,
      heap_used: usage.heapUsed,
      external: usage.external,
      array_buffers: usage.arrayBuffers,
      // Memory V8 allocated with malloc outside the JS heap (zones, compiler), and its peak.
      malloced: heap.malloced_memory,
      peak_malloced: heap.peak_malloced_memory,
      live_heap: live,
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(sample));
    renameSync(`${file}.tmp`, file);
  };
  write();
  setInterval(write, 1000).unref();
  const gcEvery = Number(process.env.REVERIE_SOAK_PROBE_GC_MS);
  const { gc } = globalThis;
  if (gcEvery > 0 && typeof gc === "function") {
    setInterval(() => {
      gc();
      live = process.memoryUsage().heapUsed;
      write();
    }, gcEvery).unref();
  }
}
