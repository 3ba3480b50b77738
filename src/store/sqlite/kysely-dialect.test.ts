import BetterSqlite3 from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { ImmediateSqliteDialect } from "./kysely-dialect.js";

interface Tables {
  items: { n: number };
}

let db: Kysely<Tables> | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

async function open(): Promise<Kysely<Tables>> {
  db = new Kysely<Tables>({
    dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(":memory:") }),
  });
  await sql`create table items (n integer not null)`.execute(db);
  return db;
}

const ROWS = 20_000;

describe("ImmediateSqliteDialect", () => {
  it("lets timers run during a long transaction, which other statements still wait for whole", async () => {
    const kysely = await open();
    let ticks = 0;
    let ticksBeforeCommit = -1;
    const ticker = setInterval(() => ticks++, 0);
    let seenMeanwhile: number | undefined;
    const probe = setTimeout(async () => {
      // Issued while the transaction runs: it gets the connection only after the commit.
      const row = await kysely
        .selectFrom("items")
        .select(sql<number>`count(*)`.as("count"))
        .executeTakeFirst();
      seenMeanwhile = Number(row?.count);
    }, 0);
    await kysely.transaction().execute(async (tx) => {
      for (let n = 0; n < ROWS; n++) await tx.insertInto("items").values({ n }).execute();
      ticksBeforeCommit = ticks;
    });
    clearInterval(ticker);
    clearTimeout(probe);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ticksBeforeCommit).toBeGreaterThan(0);
    expect(seenMeanwhile).toBe(ROWS);
  });

  it("still rolls a yielding transaction back whole", async () => {
    const kysely = await open();
    await expect(
      kysely.transaction().execute(async (tx) => {
        for (let n = 0; n < ROWS; n++) await tx.insertInto("items").values({ n }).execute();
        throw new Error("give up");
      }),
    ).rejects.toThrow("give up");
    const row = await kysely.selectFrom("items").select(sql<number>`count(*)`.as("count")).executeTakeFirst();
    expect(Number(row?.count)).toBe(0);
  });
});
