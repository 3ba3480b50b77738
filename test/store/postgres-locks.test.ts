import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/domain/index.js";
import { recoverInterruptedRuns } from "../../src/runtime/agent-loop/recovery.js";
import { turnKey } from "../../src/runtime/agent-loop/turn-locks.js";
import { openPostgresStore } from "../../src/store/postgres/open.js";
import type { Store } from "../../src/store/store.js";
import { createFixtures } from "./fixtures.js";

const url = process.env.REVERIE_TEST_POSTGRES_URL;
const schemas: string[] = [];

async function twoProcesses(): Promise<[Store, Store]> {
  const schema = `reverie_locks_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  schemas.push(schema);
  const first = await openPostgresStore({ url: url!, schema });
  const second = await openPostgresStore({ url: url!, schema });
  return [first, second];
}

afterAll(async () => {
  if (!url) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

// Two stores on one database stand for two server processes: each has its own lock connection.
describe.skipIf(!url)("PostgreSQL locks across processes", () => {
  it("lets one process hold a turn lock at a time and frees it on release or when the holder goes away", async () => {
    const [first, second] = await twoProcesses();
    try {
      expect(await second.locks?.isHeld("agent-x|default")).toBe(false);
      const held = await first.locks?.tryAcquire("agent-x|default");
      expect(held).toBeDefined();
      // Seen held from the other process and from its own, and looking does not take it.
      expect(await second.locks?.isHeld("agent-x|default")).toBe(true);
      expect(await first.locks?.isHeld("agent-x|default")).toBe(true);
      expect(await second.locks?.isHeld("agent-y|default")).toBe(false);
      expect(await second.locks?.tryAcquire("agent-x|default")).toBeUndefined();
      expect(await second.locks?.tryAcquire("agent-y|default")).toBeDefined();
      await held?.release();
      expect(await second.locks?.isHeld("agent-x|default")).toBe(false);
      const taken = await second.locks?.tryAcquire("agent-x|default");
      expect(taken).toBeDefined();

      // The holder's connection closes (its process died): the lock is free again.
      await second.close();
      expect(await first.locks?.isHeld("agent-x|default")).toBe(false);
      expect(await first.locks?.tryAcquire("agent-x|default")).toBeDefined();
    } finally {
      await first.close();
      await second.close().catch(() => {});
    }
  });

  it("recovers only the runs whose process is gone", async () => {
    const [live, restarted] = await twoProcesses();
    try {
      const make = createFixtures();
      const agent = await live.agents.create(make.agent());
      const other = await live.agents.create(make.agent());
      const busy = await live.runs.create(make.run(agent.id, { status: "running" }));
      const orphan = await live.runs.create(make.run(other.id, { status: "running" }));
      const lease = await live.locks?.tryAcquire(turnKey(agent.id, null));

      const recovered = await recoverInterruptedRuns(restarted, systemClock);
      expect(recovered).toEqual([orphan.id]);
      expect((await restarted.runs.get(busy.id))?.status).toBe("running");
      expect((await restarted.runs.get(orphan.id))?.status).toBe("failed");

      // A replica that is serving turns also leaves alone the windows its own turns hold.
      await lease?.release();
      const ownTurns = { holder: (key: string) => (key === turnKey(agent.id, null) ? busy.id : undefined) };
      expect(await recoverInterruptedRuns(restarted, systemClock, ownTurns)).toEqual([]);
      expect(await recoverInterruptedRuns(restarted, systemClock)).toEqual([busy.id]);
    } finally {
      await live.close();
      await restarted.close();
    }
  });
});
