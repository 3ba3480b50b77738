import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { randomIds, systemClock } from "../../src/domain/index.js";
import { enqueueJob } from "../../src/runtime/jobs/job-worker.js";
import { openStore } from "../../src/store/open-store.js";
import { createTestDatabase, TEST_POSTGRES_URL } from "../helpers/postgres-schema.js";

vi.setConfig({ testTimeout: 60_000 });

const childScript = fileURLToPath(new URL("./fixtures/job-drain-child.ts", import.meta.url));

function runChild(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", childScript, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`child exited ${code}:\n${output}`)),
    );
  });
}

// Server replicas share one PostgreSQL database: durable jobs are claimed with FOR UPDATE SKIP LOCKED,
// so two processes draining one queue run every job, and none twice.
describe.skipIf(!TEST_POSTGRES_URL)("two processes draining one PostgreSQL job queue", () => {
  let database: { url: string; drop(): Promise<void> };
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), "reverie-drain-"));
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs each of 50 queued jobs exactly once", async () => {
    const store = await openStore(database.url);
    const jobIds: string[] = [];
    try {
      for (let n = 0; n < 50; n++) {
        const { job } = await enqueueJob(
          store,
          { clock: systemClock, ids: randomIds },
          {
            kind: "drain-test",
            payload: { n },
          },
        );
        jobIds.push(job.id);
      }
    } finally {
      await store.close();
    }
    const log = join(dir, "executions.log");
    writeFileSync(log, "");
    const env = { REVERIE_START_AT: String(Date.now() + 2500) };
    await Promise.all([
      runChild([database.url, "process-a", log], env),
      runChild([database.url, "process-b", log], env),
    ]);

    const executions = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" "));
    expect(executions).toHaveLength(50);
    expect(new Set(executions.map(([id]) => id))).toEqual(new Set(jobIds));
    const owners = new Set(executions.map(([, owner]) => owner));
    expect(owners).toEqual(new Set(["process-a", "process-b"]));

    const check = await openStore(database.url);
    try {
      const jobs = await check.jobs.list({ kind: "drain-test", limit: 100 });
      expect(jobs).toHaveLength(50);
      for (const job of jobs) {
        expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
        const [, owner] = executions.find(([id]) => id === job.id) ?? [];
        expect(job.result).toEqual({ owner });
      }
    } finally {
      await check.close();
    }
  });
});
