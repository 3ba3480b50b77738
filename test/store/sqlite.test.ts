import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.js";
import { openSqliteStore } from "../../src/store/sqlite/open.js";
import { describeStoreContract } from "./contract.js";
import { createFixtures, vectorNear } from "./fixtures.js";

const directories: string[] = [];

/** A path in a fresh temp directory, one level down so that opening must create the parent. */
function freshPath(): string {
  const directory = mkdtempSync(join(tmpdir(), "reverie-store-"));
  directories.push(directory);
  return join(directory, "data", "reverie.db");
}

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describeStoreContract("sqlite", () => openSqliteStore({ path: freshPath() }));

const childScript = fileURLToPath(new URL("./sqlite-child.ts", import.meta.url));

/** Runs sqlite-child.ts in its own Node process and returns its JSON output. */
function runChild(args: string[], env: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", childScript, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

function appliedMigrations(path: string): Array<{ name: string; applied_at: string }> {
  const database = new BetterSqlite3(path, { readonly: true });
  try {
    return database.prepare("select name, applied_at from reverie_migrations order by name").all() as Array<{
      name: string;
      applied_at: string;
    }>;
  } finally {
    database.close();
  }
}

describe("SQLite adapter", () => {
  it("creates the parent directory and keeps everything across a reopen, indexes included", async () => {
    const path = freshPath();
    const f = createFixtures();
    const store = await openSqliteStore({ path });
    expect(existsSync(path)).toBe(true);
    const agent = await store.agents.create(f.agent({ tags: ["kept"] }));
    const archive = await store.archives.create(f.archive());
    const passage = f.passage(archive.id, "the lighthouse keeper", vectorNear(6, 2));
    await store.passages.insert([passage]);
    await store.messages.append([f.message(agent.id, "a message about otters")]);
    await store.close();

    const reopened = await openSqliteStore({ path });
    try {
      expect(await reopened.agents.get(agent.id)).toEqual(agent);
      expect(await reopened.agents.list({ tags: ["kept"] })).toHaveLength(1);
      const vector = await reopened.passages.searchVector({ archive_ids: [archive.id] }, vectorNear(6, 2), 1);
      expect(vector.map((hit) => hit.passage.id)).toEqual([passage.id]);
      const text = await reopened.passages.searchText({ archive_ids: [archive.id] }, "lighthouse", 1);
      expect(text.map((hit) => hit.passage.id)).toEqual([passage.id]);
      const messages = await reopened.messages.searchText({ agent_id: agent.id, query: "otters", limit: 1 });
      expect(messages).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });

  it("records each migration once and does not apply it again on reopen", async () => {
    const path = freshPath();
    await (await openSqliteStore({ path })).close();
    const first = appliedMigrations(path);
    expect(first.map((row) => row.name)).toEqual(SQLITE_MIGRATIONS.map((migration) => migration.name));

    await (await openSqliteStore({ path })).close();
    expect(appliedMigrations(path)).toEqual(first);
  });

  it("opens in WAL mode with foreign keys on", async () => {
    const path = freshPath();
    await (await openSqliteStore({ path })).close();
    const database = new BetterSqlite3(path);
    try {
      expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      database.close();
    }
    const store = await openSqliteStore({ path });
    try {
      const f = createFixtures();
      // blocks_agents references agents: a dangling link is refused by the database itself.
      const block = await store.blocks.create(f.block(), { type: "user", id: null });
      await expect(
        store.identities.create(f.identity({ block_ids: [block.id, "block-missing"] })),
      ).rejects.toThrow();
    } finally {
      await store.close();
    }
  });

  it("lets several processes open the same new file at once", async () => {
    const path = freshPath();
    const startAt = String(Date.now() + 1500);
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => runChild(["open", path], { REVERIE_START_AT: startAt })),
    );
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    expect(appliedMigrations(path).map((row) => row.name)).toEqual(
      SQLITE_MIGRATIONS.map((migration) => migration.name),
    );
  });

  it("never hands one job to claimers in two processes", async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    const jobIds: string[] = [];
    try {
      for (let index = 0; index < 60; index++) {
        const { job } = await store.jobs.enqueue({
          id: `job-${index}`,
          now: "2025-01-01T00:00:00.000Z",
          kind: "work",
          payload: {},
        });
        jobIds.push(job.id);
      }
    } finally {
      await store.close();
    }
    const startAt = String(Date.now() + 1500);
    const now = "2025-01-01T00:00:01.000Z";
    const results = (await Promise.all(
      ["a", "b", "c"].map((owner) => runChild(["claim", path, owner, now], { REVERIE_START_AT: startAt })),
    )) as Array<{ claimed: string[] }>;
    const claimed = results.flatMap((result) => result.claimed);
    expect(claimed.sort()).toEqual([...jobIds].sort());
  });
});
