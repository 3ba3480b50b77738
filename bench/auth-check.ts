/**
 * The in-process cost of checking an API key: `authenticate()` of the key service over a real SQLite
 * store, for the REVERIE_API_KEY key, a stored key and a wrong key. Each case runs `--calls` times
 * (default 20,000) after a warm-up; prints p50 / p95 / mean in microseconds and writes
 * bench/results/auth-check.json. This is the part of a turn's overhead that the key adds on the server
 * (the header itself is a few bytes); the e2e_key_* columns of bench/turn-overhead measure whole turns.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomIds, systemClock } from "../src/domain/index.js";
import { createApiKeyService } from "../src/server/auth/api-keys.js";
import { openSqliteStore } from "../src/store/index.js";
import { DEFAULT_ORGANIZATION_ID, withOrganization } from "../src/store/tenancy.js";

const callsFlag = process.argv.indexOf("--calls");
const calls = callsFlag > 0 ? Number(process.argv[callsFlag + 1]) : 20_000;
const dir = mkdtempSync(join(tmpdir(), "reverie-bench-auth-"));
const store = await openSqliteStore({ path: join(dir, "reverie.db") });
const envKey = "bench-env-key-0123456789abcdef";
const keys = createApiKeyService({ store, clock: systemClock, ids: randomIds, envKey });
const stored = await withOrganization(DEFAULT_ORGANIZATION_ID, () =>
  keys.create({ name: "bench", organization_id: DEFAULT_ORGANIZATION_ID, is_admin: false, expires_at: null }),
);

async function measure(presented: string, expectOk: boolean) {
  for (let i = 0; i < 500; i++) await keys.authenticate(presented);
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    const principal = await keys.authenticate(presented);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
    if ((principal !== undefined) !== expectOk) throw new Error(`unexpected answer for ${presented}`);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { p50_us: at(0.5), p95_us: at(0.95), mean_us: mean };
}

const rows = {
  env_key: await measure(envKey, true),
  stored_key: await measure(stored.key, true),
  wrong_key: await measure(`${stored.key}x`, false),
};
await store.close();
rmSync(dir, { recursive: true, force: true });

console.log(`authenticate(), ${calls} calls each (µs)`);
console.log("case        p50     p95     mean");
for (const [name, row] of Object.entries(rows)) {
  console.log(
    `${name.padEnd(10)} ${row.p50_us.toFixed(1).padStart(6)} ${row.p95_us.toFixed(1).padStart(7)} ${row.mean_us.toFixed(1).padStart(7)}`,
  );
}
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "auth-check.json"),
  `${JSON.stringify({ measured_at: new Date().toISOString(), calls, ...rows }, null, 2)}\n`,
);
