import { describe, expect, it } from "vitest";
import { type ContractContext, ids } from "./contract-context.js";

const LEASE = 60_000;

export function describeJobContract(context: ContractContext): void {
  const enqueue = (
    kind: string,
    options: { key?: string | null; runAfter?: string; maxAttempts?: number; priority?: number } = {},
  ) => {
    const { store, f } = context;
    return store.jobs.enqueue({
      id: f.id("job"),
      now: f.at(0),
      kind,
      payload: { agent_id: "agent-1" },
      concurrency_key: options.key ?? null,
      ...(options.runAfter === undefined ? {} : { run_after: options.runAfter }),
      ...(options.maxAttempts === undefined ? {} : { max_attempts: options.maxAttempts }),
      ...(options.priority === undefined ? {} : { priority: options.priority }),
    });
  };
  const claim = (owner: string, now: string, kinds: string[] = ["sleeptime"], limit = 1) =>
    context.store.jobs.claim({ owner, kinds, now, leaseMs: LEASE, limit });

  describe("jobs", () => {
    it("enqueues, and dedupes on a concurrency key while a job of that key is queued or running", async () => {
      const { store, f } = context;
      const first = await enqueue("sleeptime", { key: "agent-1" });
      expect(first.created).toBe(true);
      expect(first.job).toMatchObject({
        status: "queued",
        attempts: 0,
        run_after: f.at(0),
        concurrency_key: "agent-1",
      });
      expect(await store.jobs.get(first.job.id)).toEqual(first.job);

      const duplicate = await enqueue("sleeptime", { key: "agent-1" });
      expect(duplicate).toEqual({ job: first.job, created: false });
      expect((await enqueue("other", { key: "agent-2" })).created).toBe(true);
      expect((await enqueue("other")).created).toBe(true);
      expect((await enqueue("other")).created).toBe(true);

      const [claimed] = await claim("worker-a", f.at(1));
      expect(claimed?.id).toBe(first.job.id);
      expect((await enqueue("sleeptime", { key: "agent-1" })).created).toBe(false);
      expect(await store.jobs.complete(first.job.id, "worker-a", f.at(2))).toBe(true);
      const again = await enqueue("sleeptime", { key: "agent-1" });
      expect(again.created).toBe(true);
      expect(again.job.id).not.toBe(first.job.id);
    });

    it("claims runnable jobs of the given kinds by priority, with a lease, and counts attempts", async () => {
      const { store, f } = context;
      const later = await enqueue("sleeptime", { runAfter: f.at(50) });
      const low = await enqueue("sleeptime");
      const high = await enqueue("sleeptime", { priority: 5 });
      const otherKind = await enqueue("reembed");

      const claimed = await claim("worker-a", f.at(10), ["sleeptime"], 10);
      expect(ids(claimed)).toEqual([high.job.id, low.job.id]);
      expect(claimed[0]).toMatchObject({
        status: "running",
        attempts: 1,
        lease_owner: "worker-a",
        lease_expires_at: new Date(Date.parse(f.at(10)) + LEASE).toISOString(),
      });
      expect(await claim("worker-b", f.at(10), ["sleeptime"], 10)).toEqual([]);
      // At 50 s the first leases (until 70 s) still hold: only the delayed job is due.
      expect(ids(await claim("worker-b", f.at(50), ["sleeptime"], 10))).toEqual([later.job.id]);
      expect(ids(await claim("worker-b", f.at(50), ["reembed", "other"], 10))).toEqual([otherKind.job.id]);
      expect(
        await store.jobs.claim({ owner: "w", kinds: [], now: f.at(100), leaseMs: LEASE, limit: 5 }),
      ).toEqual([]);
      expect(ids(await store.jobs.list({ statuses: ["running"], order: "asc" })).sort()).toEqual(
        [later.job.id, low.job.id, high.job.id, otherKind.job.id].sort(),
      );
      expect(ids(await store.jobs.list({ kind: "reembed" }))).toEqual([otherKind.job.id]);
    });

    it("heartbeats and completes only for the lease owner", async () => {
      const { store, f } = context;
      const { job } = await enqueue("sleeptime");
      await claim("worker-a", f.at(1));
      expect(await store.jobs.heartbeat(job.id, "worker-b", f.at(2), LEASE)).toBe(false);
      expect(await store.jobs.heartbeat(job.id, "worker-a", f.at(30), LEASE, { done: 3 })).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        progress: { done: 3 },
        lease_expires_at: new Date(Date.parse(f.at(30)) + LEASE).toISOString(),
      });
      expect(await store.jobs.complete(job.id, "worker-b", f.at(40))).toBe(false);
      expect(await store.jobs.complete(job.id, "worker-a", f.at(40), { merged: 2 })).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        status: "succeeded",
        result: { merged: 2 },
        finished_at: f.at(40),
      });
      expect(await store.jobs.heartbeat(job.id, "worker-a", f.at(41), LEASE)).toBe(false);
      expect(await store.jobs.complete(job.id, "worker-a", f.at(41))).toBe(false);
    });

    it("retries a failed job after retryAt while attempts remain, then fails it for good", async () => {
      const { store, f } = context;
      const { job } = await enqueue("sleeptime", { maxAttempts: 2 });
      await claim("worker-a", f.at(1));
      expect(await store.jobs.fail(job.id, "worker-b", f.at(2), "not mine", f.at(50))).toBe(false);
      expect(await store.jobs.fail(job.id, "worker-a", f.at(2), "rate limited", f.at(50))).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        status: "queued",
        run_after: f.at(50),
        last_error: "rate limited",
        attempts: 1,
      });
      expect(await claim("worker-a", f.at(49))).toEqual([]);
      const [retried] = await claim("worker-b", f.at(50));
      expect(retried).toMatchObject({ id: job.id, attempts: 2, lease_owner: "worker-b" });
      expect(await store.jobs.fail(job.id, "worker-b", f.at(51), "still broken", f.at(60))).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        status: "failed",
        last_error: "still broken",
        finished_at: f.at(51),
      });
      expect(await claim("worker-a", f.at(100))).toEqual([]);
    });

    it("releases a held job back to the queue without counting the attempt", async () => {
      const { store, f } = context;
      const { job } = await enqueue("sleeptime", { maxAttempts: 1, key: "k" });
      await claim("worker-a", f.at(1));
      expect(await store.jobs.release(job.id, "worker-b", f.at(2))).toBe(false);
      expect(await store.jobs.release(job.id, "worker-a", f.at(2))).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({
        status: "queued",
        attempts: 0,
        lease_owner: null,
        run_after: f.at(2),
      });
      // Still the one job of its key, and claimable again at once with its single attempt intact.
      expect((await enqueue("sleeptime", { key: "k" })).created).toBe(false);
      expect((await claim("worker-b", f.at(3))).map((claimed) => claimed.id)).toEqual([job.id]);
      expect(await store.jobs.get(job.id)).toMatchObject({ status: "running", attempts: 1 });
    });

    it("fails without retryAt at once", async () => {
      const { store, f } = context;
      const { job } = await enqueue("sleeptime", { maxAttempts: 5, key: "k" });
      await claim("worker-a", f.at(1));
      expect(await store.jobs.fail(job.id, "worker-a", f.at(2), "fatal")).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({ status: "failed", attempts: 1 });
      expect((await enqueue("sleeptime", { key: "k" })).created).toBe(true);
    });

    it("re-claims a job whose lease expired, and the old owner loses it", async () => {
      const { store, f } = context;
      const { job } = await enqueue("sleeptime", { maxAttempts: 3 });
      await claim("worker-a", f.at(1));
      expect(await claim("worker-b", f.at(30))).toEqual([]);
      const [reclaimed] = await claim("worker-b", f.at(61));
      expect(reclaimed).toMatchObject({ id: job.id, lease_owner: "worker-b", attempts: 2 });
      expect(await store.jobs.heartbeat(job.id, "worker-a", f.at(62), LEASE)).toBe(false);
      expect(await store.jobs.complete(job.id, "worker-a", f.at(62))).toBe(false);
      expect(await store.jobs.complete(job.id, "worker-b", f.at(62))).toBe(true);
    });

    it("never hands one job to two concurrent claimers", async () => {
      const { store, f } = context;
      for (let index = 0; index < 12; index++) await enqueue("sleeptime");
      const claimers = Array.from({ length: 6 }, (_, index) =>
        claim(`worker-${index}`, f.at(1), ["sleeptime"], 3),
      );
      const claimed = (await Promise.all(claimers)).flat();
      expect(claimed).toHaveLength(12);
      expect(new Set(ids(claimed)).size).toBe(12);
      const owners = await store.jobs.list({ statuses: ["running"] });
      expect(owners).toHaveLength(12);
      for (const job of claimed) {
        expect(owners.find((owner) => owner.id === job.id)?.lease_owner).toBe(job.lease_owner);
      }
    });

    it("cancels queued or running jobs only", async () => {
      const { store, f } = context;
      const { job } = await enqueue("sleeptime", { key: "c" });
      expect(await store.jobs.cancel(job.id, f.at(1))).toBe(true);
      expect(await store.jobs.get(job.id)).toMatchObject({ status: "cancelled", finished_at: f.at(1) });
      expect(await store.jobs.cancel(job.id, f.at(2))).toBe(false);
      expect(await claim("worker-a", f.at(3))).toEqual([]);
      expect((await enqueue("sleeptime", { key: "c" })).created).toBe(true);
    });
  });
}
