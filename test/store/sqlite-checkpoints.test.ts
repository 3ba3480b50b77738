import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/open.js";
import { createFixtures } from "./fixtures.js";

const directory = mkdtempSync(join(tmpdir(), "reverie-checkpoints-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Writes about `megabytes` MB of block values in separate commits. */
async function writeBlocks(store: Awaited<ReturnType<typeof openSqliteStore>>, megabytes: number) {
  const f = createFixtures();
  for (let n = 0; n < megabytes; n++) {
    await store.blocks.create(f.block({ value: String(n % 10).repeat(1024 * 1024), limit: 2_000_000 }), {
      type: "user",
      id: null,
    });
  }
}

describe("SQLite checkpoints in the background", () => {
  it("copies the write-ahead log into the database file from a thread, and stops with the store", async () => {
    const path = join(directory, "background.db");
    const store = await openSqliteStore({ path, checkpointInBackground: true });
    const before = statSync(path).size;
    await writeBlocks(store, 8);
    // The commits only appended to the log (far under the main connection's own threshold); the
    // thread's checkpoint is what grows the database file.
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 7 * 1024 * 1024), {
      timeout: 20_000,
      interval: 100,
    });
    await store.close();
    const reopened = await openSqliteStore({ path });
    expect(
      (await reopened.blocks.list({ limit: 100 })).filter((block) => block.value.length > 1e6),
    ).toHaveLength(8);
    await reopened.close();
  });
});
