import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  dropPostgresSchema,
  freshPostgresSchema,
  TEST_POSTGRES_URL,
} from "../../../test/helpers/postgres-schema.js";
import { createPostgresDialect } from "../postgres/dialect.js";
import { sqliteDialect } from "../sqlite/sqlite-dialect.js";
import type { SqlDb, SqlDialect } from "./dialect.js";
import { cachedShapeCount, runCached } from "./query-cache.js";

interface Row {
  id: string;
  owner: string;
  score: number;
}

/** A table `items` with three rows, on each database the store supports. */
async function openDatabases(): Promise<Array<{ db: SqlDb; dialect: SqlDialect; close(): Promise<void> }>> {
  const sqlite = new Kysely<never>({
    dialect: new SqliteDialect({ database: new BetterSqlite3(":memory:") }),
  });
  const opened = [{ db: sqlite as unknown as SqlDb, dialect: sqliteDialect, close: () => sqlite.destroy() }];
  if (TEST_POSTGRES_URL) {
    const schema = freshPostgresSchema();
    const pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
    await pool.query(`CREATE SCHEMA ${schema}`);
    const postgres = new Kysely<never>({ dialect: new PostgresDialect({ pool }) });
    opened.push({
      db: postgres as unknown as SqlDb,
      dialect: createPostgresDialect({ schema }),
      close: async () => {
        await postgres.destroy();
        await dropPostgresSchema(TEST_POSTGRES_URL as string, schema);
      },
    });
  }
  for (const { db } of opened) {
    const raw = db as unknown as Kysely<{ items: Row }>;
    await raw.schema
      .createTable("items")
      .addColumn("id", "text", (column) => column.primaryKey())
      .addColumn("owner", "text")
      .addColumn("score", "integer")
      .execute();
    await raw
      .insertInto("items")
      .values([
        { id: "a", owner: "ada", score: 1 },
        { id: "b", owner: "ada", score: 2 },
        { id: "c", owner: "bob", score: 3 },
      ])
      .execute();
  }
  return opened;
}

const databases = await openDatabases();
afterAll(async () => {
  for (const database of databases) await database.close();
});

/** Items of `owner` among `ids`, the owner passed first but placed last in the SQL. */
function itemsOf(database: (typeof databases)[number], owner: string, ids: readonly string[]) {
  const db = database.db as unknown as Kysely<{ items: Row }>;
  return runCached(
    database.db,
    database.dialect,
    `test.items ${ids.length}`,
    [owner, ...ids],
    ([who, ...keys]) =>
      db
        .selectFrom("items")
        .selectAll()
        .where("id", "in", keys as string[])
        .where("owner", "=", who as string)
        .orderBy("id"),
  );
}

describe.each(databases.map((database) => [database.dialect.name, database] as const))(
  "compiled query cache on %s",
  (_name, database) => {
    it("runs a cached shape with each call's own values, in the order the SQL takes them", async () => {
      const before = cachedShapeCount();
      expect((await itemsOf(database, "ada", ["a", "c"])).map((row) => row.id)).toEqual(["a"]);
      expect(cachedShapeCount()).toBe(before + 1);
      // Same shape, other values: the cached SQL, not the first call's values.
      expect((await itemsOf(database, "bob", ["a", "c"])).map((row) => row.id)).toEqual(["c"]);
      expect((await itemsOf(database, "ada", ["b", "a"])).map((row) => row.id)).toEqual(["a", "b"]);
      expect(cachedShapeCount()).toBe(before + 1);
      // A list of another length is another shape.
      expect((await itemsOf(database, "ada", ["a", "b", "c"])).map((row) => row.id)).toEqual(["a", "b"]);
      expect(cachedShapeCount()).toBe(before + 2);
    });

    it("compiles long lists each time and keeps them out of the cache", async () => {
      const before = cachedShapeCount();
      const ids = ["c", ...Array.from({ length: 150 }, (_, index) => `missing-${index}`)];
      expect((await itemsOf(database, "bob", ids)).map((row) => row.id)).toEqual(["c"]);
      expect(cachedShapeCount()).toBe(before);
    });

    it("refuses a shape that builds a value into the query instead of taking it as a parameter", async () => {
      const db = database.db as unknown as Kysely<{ items: Row }>;
      const frozen = () =>
        runCached(database.db, database.dialect, "test.frozen", ["ada"], () =>
          db.selectFrom("items").selectAll().where("owner", "=", "ada"),
        );
      await expect(frozen()).rejects.toThrow(/every value must be a parameter/);
    });
  },
);
