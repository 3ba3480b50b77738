// Run by sqlite.test.ts in a separate process: `node --import tsx sqlite-child.ts <command> <path> [...]`.
import { openSqliteStore } from "../../src/store/sqlite/open.js";

const [command, path, ...rest] = process.argv.slice(2);
if (command === undefined || path === undefined) throw new Error("usage: sqlite-child <open|claim> <path>");

// Children start together at REVERIE_START_AT (epoch ms), so that their opens really overlap.
const startAt = Number(process.env.REVERIE_START_AT ?? 0);
if (startAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));

const store = await openSqliteStore({ path });
try {
  if (command === "open") {
    await store.agents.count();
    process.stdout.write(JSON.stringify({ ok: true }));
  } else if (command === "claim") {
    const [owner = "child", now = new Date().toISOString()] = rest;
    const claimed: string[] = [];
    for (;;) {
      const jobs = await store.jobs.claim({ owner, kinds: ["work"], now, leaseMs: 60_000, limit: 1 });
      if (jobs.length === 0) break;
      claimed.push(...jobs.map((job) => job.id));
    }
    process.stdout.write(JSON.stringify({ claimed }));
  } else {
    throw new Error(`unknown command ${command}`);
  }
} finally {
  await store.close();
}
