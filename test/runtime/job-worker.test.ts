import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Clock, Job } from "../../src/domain/index.js";
import {
  createJobWorker,
  enqueueJob,
  type JobHandler,
  type JobWorkerOptions,
  PermanentJobError,
} from "../../src/runtime/jobs/job-worker.js";
import { openSqliteStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/store.js";
import { openFreshPostgresStore, TEST_POSTGRES_URL } from "../helpers/postgres-schema.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { countingIds } from "../server/test-app.js";

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
  return clock;
}

const silent = () => undefined;

describeOnEachStore("job worker", (kind) => {
  let store: Store;
  let dir: string;
  const clock = manualClock();
  const ids = countingIds();

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "reverie-jobs-"));
    store =
      kind === "postgres"
        ? await openFreshPostgresStore(TEST_POSTGRES_URL!, { clock, ids })
        : await openSqliteStore({ path: join(dir, "reverie.db"), clock, ids });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const worker = (handlers: JobHandler[], options: Partial<JobWorkerOptions> = {}) =>
    createJobWorker({ store, clock, ids, handlers, backoffMs: () => 0, onError: silent, ...options });
  const enqueue = (kind: string, payload: Record<string, unknown> = {}, extra = {}) =>
    enqueueJob(store, { clock, ids }, { kind, payload, ...extra }).then((result) => result.job);

  it("runs due jobs of its kinds and records their results; leaves other kinds and future jobs alone", async () => {
    const seen: unknown[] = [];
    const jobs = worker([
      {
        kind: "echo",
        async run({ job }) {
          seen.push(job.payload.n);
          return { doubled: Number(job.payload.n) * 2 };
        },
      },
    ]);
    const a = await enqueue("echo", { n: 1 });
    const b = await enqueue("echo", { n: 2 });
    const other = await enqueue("other");
    const later = await enqueue(
      "echo",
      { n: 3 },
      { run_after: new Date(clock.now().getTime() + 60_000).toISOString() },
    );
    await jobs.drain();
    expect(seen).toEqual([1, 2]);
    expect(await store.jobs.get(a.id)).toMatchObject({
      status: "succeeded",
      result: { doubled: 2 },
      attempts: 1,
    });
    expect(await store.jobs.get(b.id)).toMatchObject({ status: "succeeded", result: { doubled: 4 } });
    expect((await store.jobs.get(other.id))?.status).toBe("queued");
    expect((await store.jobs.get(later.id))?.status).toBe("queued");
    clock.advance(60_000);
    await jobs.drain();
    expect(seen).toEqual([1, 2, 3]);
  });

  it("retries a failing job after its backoff up to max_attempts, and fails a permanent error at once", async () => {
    let calls = 0;
    const delays: number[] = [];
    const jobs = worker(
      [
        {
          kind: "flaky",
          async run() {
            calls++;
            throw new Error(`boom ${calls}`);
          },
        },
        {
          kind: "broken",
          async run() {
            throw new PermanentJobError("bad payload");
          },
        },
      ],
      {
        backoffMs: (attempt) => {
          delays.push(attempt);
          return 1000 * attempt;
        },
      },
    );
    const flaky = await enqueue("flaky", {}, { max_attempts: 3 });
    const broken = await enqueue("broken", {}, { max_attempts: 3 });
    await jobs.drain();
    expect(calls).toBe(1);
    expect(await store.jobs.get(flaky.id)).toMatchObject({
      status: "queued",
      attempts: 1,
      last_error: "boom 1",
    });
    expect(await store.jobs.get(broken.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      last_error: "bad payload",
    });
    clock.advance(999);
    await jobs.drain();
    expect(calls).toBe(1); // not due yet
    clock.advance(1);
    await jobs.drain();
    clock.advance(2000);
    await jobs.drain();
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 2]);
    expect(await store.jobs.get(flaky.id)).toMatchObject({
      status: "failed",
      attempts: 3,
      last_error: "boom 3",
    });
    clock.advance(60_000);
    await jobs.drain();
    expect(calls).toBe(3);
  });

  it("takes over a job whose worker died once its lease expired, and only then", async () => {
    const job = await enqueue("work", { n: 1 });
    const [claimed] = await store.jobs.claim({
      owner: "dead-worker",
      kinds: ["work"],
      now: clock.now().toISOString(),
      leaseMs: 5000,
      limit: 1,
    });
    expect(claimed?.id).toBe(job.id);
    const ran: string[] = [];
    const jobs = worker([{ kind: "work", run: async ({ job }) => void ran.push(job.id) }]);
    await jobs.drain();
    expect(ran).toEqual([]);
    clock.advance(5000);
    await jobs.drain();
    expect(ran).toEqual([job.id]);
    expect(await store.jobs.get(job.id)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(await store.jobs.complete(job.id, "dead-worker", clock.now().toISOString())).toBe(false);
  });

  it("never runs more jobs at once than its concurrency", async () => {
    let active = 0;
    let peak = 0;
    const jobs = worker(
      [
        {
          kind: "slow",
          async run() {
            active++;
            peak = Math.max(peak, active);
            await new Promise((resolve) => setTimeout(resolve, 20));
            active--;
            return undefined;
          },
        },
      ],
      { concurrency: 2 },
    );
    const queued = await Promise.all(Array.from({ length: 7 }, (_, n) => enqueue("slow", { n })));
    // The poller and drain() claim side by side: the limit holds across both.
    jobs.start();
    jobs.wake();
    await jobs.drain();
    await jobs.stop();
    expect(peak).toBe(2);
    const done = await Promise.all(queued.map((job) => store.jobs.get(job.id)));
    expect(done.map((job) => job?.status)).toEqual(Array(7).fill("succeeded"));
  });

  it("enqueues a follow-up of the same concurrency key together with the job's success", async () => {
    const runs: unknown[] = [];
    const jobs = worker([
      {
        kind: "chain",
        async run({ job, followUp }) {
          const n = Number(job.payload.n);
          runs.push(n);
          if (n < 3) followUp({ kind: "chain", payload: { n: n + 1 }, concurrency_key: "chain-key" });
          return { n };
        },
      },
    ]);
    await enqueue("chain", { n: 1 }, { concurrency_key: "chain-key" });
    await jobs.drain();
    expect(runs).toEqual([1, 2, 3]);
    const all = await store.jobs.list({ kind: "chain", order: "asc" });
    expect(all.map((job) => [job.status, job.concurrency_key])).toEqual([
      ["succeeded", null],
      ["succeeded", null],
      ["succeeded", null],
    ]);
  });

  it("stop() aborts a running job and puts it back in the queue, its attempt not counted", async () => {
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const signals: AbortSignal[] = [];
    const jobs = worker(
      [
        {
          kind: "long",
          run: ({ signal }) =>
            new Promise((_, reject) => {
              signals.push(signal);
              started();
              signal.addEventListener("abort", () => reject(signal.reason));
            }),
        },
      ],
      { pollMs: 10 },
    );
    const job = await enqueue("long", {}, { max_attempts: 3 });
    jobs.start();
    await running;
    await jobs.stop();
    expect(signals[0]?.aborted).toBe(true);
    expect(await store.jobs.get(job.id)).toMatchObject({ status: "queued", attempts: 0, lease_owner: null });

    const again = worker([{ kind: "long", run: async () => ({ finished: true }) }]);
    await again.drain();
    expect(await store.jobs.get(job.id)).toMatchObject({
      status: "succeeded",
      attempts: 1,
      result: { finished: true },
    });
  });

  it("aborts a job whose lease it lost (cancelled meanwhile) without recording anything over it", async () => {
    let release: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      release = resolve;
    });
    let cancelled = false;
    const jobs = worker(
      [
        {
          kind: "watched",
          async run({ job, signal, progress }) {
            await store.jobs.cancel(job.id, clock.now().toISOString());
            cancelled = true;
            signal.addEventListener("abort", () => release());
            await progress({ step: 1 });
            await aborted;
            return { should: "not be recorded" };
          },
        },
      ],
      { leaseMs: 300 },
    );
    const job = await enqueue("watched");
    await jobs.drain();
    expect(cancelled).toBe(true);
    const stored = (await store.jobs.get(job.id)) as Job;
    expect(stored.status).toBe("cancelled");
    expect(stored.result).toBeNull();
  });
});
