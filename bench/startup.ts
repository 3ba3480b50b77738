// Measures how long `reverie server` takes from spawn to its "listening" line, on a fresh SQLite
// home (first start: creates and migrates the database) and on an existing one.
// Usage: npx tsx bench/startup.ts [runs]   (needs `npm run build` first)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startServerProcess } from "../test/helpers/server-process.js";

const runs = Number(process.argv[2] ?? 10);

async function timeStart(home: string): Promise<number> {
  const started = performance.now();
  const server = await startServerProcess({ REVERIE_HOME: home });
  const elapsed = performance.now() - started;
  await server.stop();
  return elapsed;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const fresh: number[] = [];
const existing: number[] = [];
for (let i = 0; i < runs; i++) {
  const home = mkdtempSync(join(tmpdir(), "reverie-bench-startup-"));
  fresh.push(await timeStart(home));
  existing.push(await timeStart(home));
  rmSync(home, { recursive: true, force: true });
}

const rows = [
  {
    case: "fresh home (creates + migrates db)",
    p50_ms: percentile(fresh, 50),
    p95_ms: percentile(fresh, 95),
  },
  { case: "existing home", p50_ms: percentile(existing, 50), p95_ms: percentile(existing, 95) },
].map((row) => ({ ...row, p50_ms: Math.round(row.p50_ms), p95_ms: Math.round(row.p95_ms) }));
console.table(rows);
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "startup.json"),
  `${JSON.stringify({ runs, rows, node: process.version }, null, 2)}\n`,
);
