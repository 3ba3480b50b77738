import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres/open.js";

const url = process.env.REVERIE_TEST_POSTGRES_URL;
const schema = `reverie_lockconn_${randomUUID().replaceAll("-", "").slice(0, 12)}`;

afterAll(async () => {
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

// Every lock of a process lives on one connection; many turns asking at once must not overlap their
// statements on it (node-postgres warns, and pg 9 refuses). Node warns once per process, so this file
// holds only this test: nothing before it can have used up the warning.
it.skipIf(!url)(
  "takes and releases many locks at once on the one lock connection, one statement at a time",
  async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    const first = await openPostgresStore({ url: url!, schema });
    const second = await openPostgresStore({ url: url!, schema });
    try {
      const keys = Array.from({ length: 20 }, (_, index) => `agent-${index}|default`);
      const held = await Promise.all(keys.map((key) => first.locks?.tryAcquire(key)));
      expect(held.every((lease) => lease !== undefined)).toBe(true);
      // Held for real: the other process gets none of them.
      for (const key of keys) expect(await second.locks?.tryAcquire(key)).toBeUndefined();
      await Promise.all(held.map((lease) => lease?.release()));
      const again = await Promise.all(keys.map((key) => second.locks?.tryAcquire(key)));
      expect(again.every((lease) => lease !== undefined)).toBe(true);
      await Promise.all(again.map((lease) => lease?.release()));
      // Let a warning emitted on the last statements reach the listener.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((message) => message.includes("already executing"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await first.close();
      await second.close();
    }
  },
);
