import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createBlockHistoryService } from "../../src/runtime/block-history/block-history-service.js";
import { openPostgresStore, openSqliteStore } from "../../src/store/index.js";
import { migratePostgres } from "../../src/store/postgres/migrate.js";
import { postgresMigrations } from "../../src/store/postgres/migrations.js";
import { createPool } from "../../src/store/postgres/pool.js";
import type { Database } from "../../src/store/sql/tables.js";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import type { Store } from "../../src/store/store.js";
import { dropPostgresSchema, freshPostgresSchema, TEST_POSTGRES_URL } from "../helpers/postgres-schema.js";

const BLOCK_ID = "block-00000000-0000-4000-8000-000000000001";

/**
 * The layout the old rows below are written in: the last one before both 0006_tenancy (which adds
 * `organization_id`) and 0015_block_history, so the store migrates them through both.
 */
const isOlder = (migration: { name: string }) => migration.name < "0006";

/** A block's history as the store kept it before 0015_block_history: a creation and three edits. */
const OLD_HISTORY: ReadonlyArray<[seq: number, oldValue: string | null, newValue: string]> = [
  [1, null, "v1"],
  [2, "v1", "v2"],
  [3, "v2", "v2"], // a limit change: the value stayed
  [4, "v2", "v3"],
];

function oldRows(): string[] {
  const literal = (text: string | null) => (text === null ? "NULL" : `'${text}'`);
  return [
    `INSERT INTO blocks (id, label, value, "limit", created_at, updated_at)
     VALUES ('${BLOCK_ID}', 'notes', 'v3', 100, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:04.000Z')`,
    ...OLD_HISTORY.map(
      ([seq, oldValue, newValue]) =>
        `INSERT INTO block_revisions (id, block_id, seq, actor_type, old_value, new_value, old_label, new_label, created_at)
         VALUES ('revision-${seq}', '${BLOCK_ID}', ${seq}, 'user', ${literal(oldValue)}, '${newValue}',
                 ${oldValue === null ? "NULL" : "'notes'"}, 'notes', '2026-01-01T00:00:0${seq}.000Z')`,
    ),
  ];
}

/** After the migration, the old edits are undoable one by one, the limit change skipped. */
async function expectUndoableHistory(store: Store): Promise<void> {
  const revisions = await store.blocks.revisions(BLOCK_ID, { order: "asc" });
  expect(revisions.map((revision) => [revision.operation, revision.undo_seq, revision.redo_seq])).toEqual([
    ["create", null, null],
    ["edit", 2, null],
    ["edit", 2, null],
    ["edit", 4, null],
  ]);
  const history = createBlockHistoryService({ store });
  expect((await history.undo(BLOCK_ID)).block.value).toBe("v2");
  expect((await history.undo(BLOCK_ID)).block.value).toBe("v1");
  await expect(history.undo(BLOCK_ID)).rejects.toMatchObject({ code: "conflict" });
  expect((await history.redo(BLOCK_ID)).block.value).toBe("v2");
}

describe("0015_block_history migrates a block history kept before it", () => {
  const directories: string[] = [];
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  it("on SQLite", async () => {
    const directory = mkdtempSync(join(tmpdir(), "reverie-migration-"));
    directories.push(directory);
    const path = join(directory, "reverie.db");
    const database = new BetterSqlite3(path);
    database.exec("create table reverie_migrations (name text primary key, applied_at text not null)");
    for (const migration of SQLITE_MIGRATIONS.filter(isOlder)) {
      for (const statement of migration.statements) database.exec(statement);
      database
        .prepare("insert into reverie_migrations values (?, ?)")
        .run(migration.name, new Date().toISOString());
    }
    for (const statement of oldRows()) database.exec(statement);
    database.close();

    const store = await openSqliteStore({ path });
    try {
      await expectUndoableHistory(store);
    } finally {
      await store.close();
    }
  });

  it.skipIf(TEST_POSTGRES_URL === undefined)("on PostgreSQL", async () => {
    const url = TEST_POSTGRES_URL!;
    const schema = freshPostgresSchema();
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool({ url, schema }) }) });
    try {
      const older = postgresMigrations.filter(isOlder);
      await migratePostgres(db, { schema, migrations: older });
      await migratePostgres(db, {
        schema,
        migrations: [{ name: "test_old_rows", statements: oldRows() }],
      });
    } finally {
      await db.destroy();
    }
    const store = await openPostgresStore({ url, schema });
    try {
      await expectUndoableHistory(store);
    } finally {
      await store.close();
      await dropPostgresSchema(url, schema);
    }
  });
});
