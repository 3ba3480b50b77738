import BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_CACHED_PARAMETERS, withStatementCache } from "../../src/store/sqlite/kysely-dialect.js";

/** An in-memory database whose `prepare` calls are counted per SQL text. */
function countedDatabase() {
  const database = new BetterSqlite3(":memory:");
  database.exec("CREATE TABLE items (id TEXT PRIMARY KEY)");
  database.exec("INSERT INTO items VALUES ('a'), ('b'), ('c')");
  const prepared = new Map<string, number>();
  const counted: SqliteDatabase = {
    close: () => database.close(),
    prepare(sql) {
      prepared.set(sql, (prepared.get(sql) ?? 0) + 1);
      return database.prepare(sql);
    },
  };
  return { database, counted, prepared };
}

/** `SELECT id FROM items WHERE id IN (?, …)` with `count` placeholders. */
const inList = (count: number) =>
  `SELECT id FROM items WHERE id IN (${Array.from({ length: count }, () => "?").join(", ")}) ORDER BY id`;

const opened: BetterSqlite3.Database[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
});

describe("the SQLite statement cache", () => {
  it("prepares a statement once and reuses it", () => {
    const { database, counted, prepared } = countedDatabase();
    opened.push(database);
    const cache = withStatementCache(counted, 10);
    const sql = inList(3);
    for (let round = 0; round < 3; round++) {
      expect(cache.prepare(sql).all(["a", "c", "z"])).toEqual([{ id: "a" }, { id: "c" }]);
    }
    expect(prepared.get(sql)).toBe(1);
  });

  it("does not keep statements with many parameters (a window's IN list), and they still run", () => {
    const { database, counted, prepared } = countedDatabase();
    opened.push(database);
    const cache = withStatementCache(counted, 10);
    const small = inList(MAX_CACHED_PARAMETERS);
    const large = inList(MAX_CACHED_PARAMETERS + 1);
    const ids = (count: number) => ["b", ...Array.from({ length: count - 1 }, (_, index) => `x${index}`)];
    for (let round = 0; round < 3; round++) {
      expect(cache.prepare(large).all(ids(MAX_CACHED_PARAMETERS + 1))).toEqual([{ id: "b" }]);
      expect(cache.prepare(small).all(ids(MAX_CACHED_PARAMETERS))).toEqual([{ id: "b" }]);
    }
    expect(prepared.get(large)).toBe(3);
    expect(prepared.get(small)).toBe(1);
  });

  it("keeps the cached statements when uncached large ones come and go (they take no slot)", () => {
    const { database, counted, prepared } = countedDatabase();
    opened.push(database);
    const cache = withStatementCache(counted, 2);
    const first = inList(1);
    const second = inList(2);
    cache.prepare(first);
    cache.prepare(second);
    for (let length = MAX_CACHED_PARAMETERS + 1; length < MAX_CACHED_PARAMETERS + 50; length++) {
      cache.prepare(inList(length));
    }
    cache.prepare(first);
    cache.prepare(second);
    expect(prepared.get(first)).toBe(1);
    expect(prepared.get(second)).toBe(1);
    // A third small statement evicts the least recently used one, as before.
    cache.prepare(inList(3));
    cache.prepare(first);
    expect(prepared.get(first)).toBe(2);
  });
});
