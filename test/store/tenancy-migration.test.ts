import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migratePostgres } from "../../src/store/postgres/migrate.js";
import { postgresMigrations } from "../../src/store/postgres/migrations.js";
import { openPostgresStore } from "../../src/store/postgres/open.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { openSqliteStore } from "../../src/store/sqlite/open.js";
import { migrateSqlite } from "../../src/store/sqlite/sqlite-dialect.js";
import type { Store } from "../../src/store/store.js";
import { DEFAULT_ORGANIZATION_ID, withOrganization } from "../../src/store/tenancy.js";
import { dropPostgresSchema, freshPostgresSchema, TEST_POSTGRES_URL } from "../helpers/postgres-schema.js";

/** The migrations of the last release before tenancy. */
const BEFORE_TENANCY = 5;
const T = "2025-01-01T00:00:00.000Z";

/** Tables of the layout before tenancy, whose rows must all survive the migration. */
const TABLES = [
  "agents",
  "agent_tags",
  "blocks",
  "blocks_agents",
  "block_revisions",
  "tools",
  "tools_agents",
  "messages",
  "archives",
  "archives_agents",
  "passages",
  "passage_tags",
  "runs",
  "steps",
  "conversations",
  "identities",
  "identities_agents",
  "groups",
  "groups_agents",
  "jobs",
  "sources",
  "sources_agents",
  "files",
  "file_contents",
  "files_agents",
];

/**
 * A database as the release before tenancy left it: one of everything, written in that layout (no
 * organization anywhere). `bool` encodes booleans the dialect's way.
 */
// biome-ignore lint/suspicious/noExplicitAny: the legacy layout has no typed description any more
async function writeLegacyWorld(db: Kysely<any>, bool: (value: boolean) => unknown): Promise<void> {
  const json = (value: unknown) => JSON.stringify(value);
  const at = { created_at: T, updated_at: T };
  await db
    .insertInto("agents")
    .values({
      id: "agent-1",
      name: "legacy",
      agent_type: "letta_v1_agent",
      system: "You are legacy.",
      llm_config: json({ model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 128000 }),
      tags: json(["old"]),
      message_ids: json([]),
      ...at,
    })
    .execute();
  await db.insertInto("agent_tags").values({ agent_id: "agent-1", tag: "old" }).execute();
  await db
    .insertInto("blocks")
    .values({ id: "block-1", label: "human", value: "Ada", limit: 5000, metadata: json({}), ...at })
    .execute();
  await db
    .insertInto("blocks_agents")
    .values({ agent_id: "agent-1", block_id: "block-1", position: 0 })
    .execute();
  await db
    .insertInto("block_revisions")
    .values({
      id: "revision-1",
      block_id: "block-1",
      seq: 1,
      actor_type: "user",
      new_value: "Ada",
      new_label: "human",
      created_at: T,
    })
    .execute();
  await db
    .insertInto("tools")
    .values({ id: "tool-1", name: "lookup", tool_type: "custom", return_char_limit: 6000, ...at })
    .execute();
  await db
    .insertInto("tools_agents")
    .values({ agent_id: "agent-1", tool_id: "tool-1", position: 0 })
    .execute();
  await db
    .insertInto("messages")
    .values({
      id: "message-1",
      agent_id: "agent-1",
      role: "user",
      content: json([{ type: "text", text: "otters hold hands" }]),
      text: "otters hold hands",
      created_at: T,
    })
    .execute();
  await db
    .insertInto("archives")
    .values({ id: "archive-1", name: "notes", ...at })
    .execute();
  await db
    .insertInto("archives_agents")
    .values({ agent_id: "agent-1", archive_id: "archive-1", is_owner: bool(true) })
    .execute();
  await db
    .insertInto("passages")
    .values({
      id: "passage-1",
      text: "the lighthouse keeper",
      archive_id: "archive-1",
      tags: json(["sea"]),
      is_deleted: bool(false),
      ...at,
    })
    .execute();
  await db
    .insertInto("passage_tags")
    .values({ passage_id: "passage-1", archive_id: "archive-1", tag: "sea" })
    .execute();
  await db
    .insertInto("runs")
    .values({
      id: "run-1",
      agent_id: "agent-1",
      status: "completed",
      run_type: "send_message",
      created_at: T,
    })
    .execute();
  await db
    .insertInto("steps")
    .values({ id: "step-1", agent_id: "agent-1", run_id: "run-1", status: "success", created_at: T })
    .execute();
  await db
    .insertInto("conversations")
    .values({ id: "conv-1", agent_id: "agent-1", ...at })
    .execute();
  await db
    .insertInto("identities")
    .values({ id: "identity-1", identifier_key: "u1", name: "User", identity_type: "user", created_at: T })
    .execute();
  await db
    .insertInto("identities_agents")
    .values({ agent_id: "agent-1", identity_id: "identity-1" })
    .execute();
  await db
    .insertInto("groups")
    .values({ id: "group-1", manager_type: "sleeptime", description: "pair", created_at: T })
    .execute();
  await db
    .insertInto("groups_agents")
    .values({ group_id: "group-1", agent_id: "agent-1", position: 0 })
    .execute();
  await db
    .insertInto("jobs")
    .values({
      id: "job-1",
      kind: "work",
      payload: json({}),
      status: "queued",
      max_attempts: 3,
      run_after: T,
      ...at,
    })
    .execute();
  await db
    .insertInto("sources")
    .values({ id: "source-1", name: "docs", ...at })
    .execute();
  await db
    .insertInto("sources_agents")
    .values({ agent_id: "agent-1", source_id: "source-1", created_at: T })
    .execute();
  await db
    .insertInto("files")
    .values({ id: "file-1", source_id: "source-1", file_name: "a.md", processing_status: "completed", ...at })
    .execute();
  await db
    .insertInto("file_contents")
    .values({ file_id: "file-1", raw: Buffer.from("hello"), text: "hello" })
    .execute();
  await db
    .insertInto("files_agents")
    .values({
      agent_id: "agent-1",
      file_id: "file-1",
      source_id: "source-1",
      file_name: "docs/a.md",
      is_open: bool(true),
      last_accessed_at: T,
      ...at,
    })
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: counts over the legacy layout
async function rowCounts(db: Kysely<any>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const result = await sql<{
      count: number | string;
    }>`select count(*) as count from ${sql.table(table)}`.execute(db);
    counts[table] = Number(result.rows[0]?.count);
  }
  return counts;
}

/** What the migrated store must show: everything, in the default organization, and none of it elsewhere. */
async function expectEverythingInDefaultOrganization(store: Store): Promise<void> {
  expect(await store.agents.get("agent-1")).toMatchObject({ name: "legacy", tags: ["old"] });
  expect(await store.agents.listTags({})).toEqual(["old"]);
  expect((await store.blocks.listForAgent("agent-1")).map((block) => block.id)).toEqual(["block-1"]);
  expect(await store.blocks.revisions("block-1")).toHaveLength(1);
  expect((await store.tools.listForAgent("agent-1")).map((tool) => tool.id)).toEqual(["tool-1"]);
  expect(await store.tools.getByName("lookup")).toMatchObject({ id: "tool-1" });
  expect(await store.archives.listForAgent("agent-1")).toHaveLength(1);
  const passages = await store.passages.searchText(
    { archive_ids: ["archive-1"], tags: ["sea"] },
    "lighthouse",
    5,
  );
  expect(passages.map((hit) => hit.passage.id)).toEqual(["passage-1"]);
  const messages = await store.messages.searchText({ agent_id: "agent-1", query: "otters", limit: 5 });
  expect(messages.map((hit) => hit.message.id)).toEqual(["message-1"]);
  expect(await store.messages.count({ agent_id: "agent-1" })).toBe(1);
  expect(await store.runs.get("run-1")).toMatchObject({ status: "completed" });
  expect(await store.steps.get("step-1")).toBeDefined();
  expect(await store.conversations.get("conv-1")).toBeDefined();
  expect(await store.identities.get("identity-1")).toMatchObject({ agent_ids: ["agent-1"] });
  expect(await store.groups.get("group-1")).toMatchObject({ agent_ids: ["agent-1"] });
  expect(await store.jobs.get("job-1")).toMatchObject({ organization_id: DEFAULT_ORGANIZATION_ID });
  expect(await store.sources.getByName("docs")).toMatchObject({ id: "source-1" });
  expect((await store.sources.listForAgent("agent-1")).map((source) => source.id)).toEqual(["source-1"]);
  expect(new TextDecoder().decode(await store.files.raw("file-1"))).toBe("hello");
  expect(await store.files.listAgentFiles("agent-1", { is_open: true })).toHaveLength(1);

  const now = new Date().toISOString();
  const other = await store.organizations.create({
    id: "org-other",
    name: "other",
    created_at: now,
    updated_at: now,
  });
  await withOrganization(other.id, async () => {
    expect(await store.agents.list({})).toEqual([]);
    expect(await store.tools.getByName("lookup")).toBeUndefined();
    // Names are now unique per organization: the other one may reuse them.
    const tool = await store.tools.upsertByName({ ...(await tool1(store)), id: "tool-2", name: "lookup" });
    expect(tool.id).toBe("tool-2");
  });
  expect(await store.tools.getByName("lookup")).toMatchObject({ id: "tool-1" });
}

async function tool1(store: Store) {
  const tool = await withOrganization(DEFAULT_ORGANIZATION_ID, () => store.tools.get("tool-1"));
  if (!tool) throw new Error("tool-1 is gone");
  return tool;
}

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe("migrating a database made before tenancy", () => {
  it("SQLite: keeps every row, all in the default organization, with links and indexes intact", async () => {
    const directory = mkdtempSync(join(tmpdir(), "reverie-tenancy-"));
    directories.push(directory);
    const path = join(directory, "reverie.db");
    // biome-ignore lint/suspicious/noExplicitAny: the legacy layout
    const legacy = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    await migrateSqlite(legacy, SQLITE_MIGRATIONS.slice(0, BEFORE_TENANCY));
    await sql`pragma foreign_keys = on`.execute(legacy);
    await writeLegacyWorld(legacy, (value) => (value ? 1 : 0));
    const before = await rowCounts(legacy);
    await legacy.destroy();

    const store = await openSqliteStore({ path });
    try {
      await expectEverythingInDefaultOrganization(store);
    } finally {
      await store.close();
    }
    // biome-ignore lint/suspicious/noExplicitAny: the migrated layout, read raw
    const after = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    try {
      // The one new row: the tool the other organization made under a name the default one uses.
      expect(await rowCounts(after)).toEqual({ ...before, tools: before.tools! + 1 });
      const broken = await sql`pragma foreign_key_check`.execute(after);
      expect(broken.rows).toEqual([]);
    } finally {
      await after.destroy();
    }
  });

  it.skipIf(!TEST_POSTGRES_URL)("PostgreSQL: keeps every row, all in the default organization", async () => {
    const url = TEST_POSTGRES_URL!;
    const schema = freshPostgresSchema();
    // biome-ignore lint/suspicious/noExplicitAny: the legacy layout
    const legacy = new Kysely<any>({ dialect: new PostgresDialect({ pool: createPool({ url, schema }) }) });
    try {
      await migratePostgres(legacy, { schema, migrations: postgresMigrations.slice(0, BEFORE_TENANCY) });
      await writeLegacyWorld(legacy, (value) => value);
      const before = await rowCounts(legacy);
      const store = await openPostgresStore({ url, schema });
      try {
        await expectEverythingInDefaultOrganization(store);
      } finally {
        await store.close();
      }
      const after = await rowCounts(legacy);
      expect(after).toEqual({ ...before, tools: before.tools! + 1 });
    } finally {
      await legacy.destroy();
      await dropPostgresSchema(url, schema);
    }
  });
});
