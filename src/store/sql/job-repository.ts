import type { Insertable, Updateable } from "kysely";
import type { Job } from "../../domain/index.js";
import type { JobListQuery, JobRepository } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { matchesNothing, type SqlContext } from "./sql-context.js";
import type { JobsTable } from "./tables.js";
import { withTransaction } from "./with-transaction.js";

const JOB_COLUMNS: ColumnKinds = {
  id: "plain",
  organization_id: "plain",
  kind: "plain",
  payload: "json",
  status: "plain",
  concurrency_key: "plain",
  priority: "number",
  attempts: "number",
  max_attempts: "number",
  run_after: "timestamp",
  lease_owner: "plain",
  lease_expires_at: "timestamp",
  last_error: "plain",
  result: "json",
  progress: "json",
  created_at: "timestamp",
  updated_at: "timestamp",
  finished_at: "timestamp",
};

/** Attempts a job gets when the caller does not say. */
export const DEFAULT_MAX_ATTEMPTS = 3;

const plusMs = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms).toISOString();

/**
 * Durable jobs with leases. A job belongs to the organization that enqueued it; claims are the one
 * cross-tenant operation (a worker serves every organization, and runs each job in its job's scope).
 * A claim selects runnable rows through `dialect.lockForClaim` and updates them in the same transaction; `concurrency_key` is cleared when a job finishes, so its unique index
 * allows one queued-or-running job per key.
 */
export function createJobRepository(context: SqlContext): JobRepository {
  const { db, dialect } = context;
  const decode = (row: object) => decodeColumns(JOB_COLUMNS, row as Record<string, unknown>, dialect) as Job;
  const encode = (values: Partial<Job>) => encodeColumns(JOB_COLUMNS, values, dialect);
  const ts = (iso: string) => dialect.encodeTimestamp(iso);

  const getJob = async (id: string) => {
    const row = await db
      .selectFrom("jobs")
      .selectAll()
      .where("id", "=", id)
      .where("organization_id", "=", currentOrganization())
      .executeTakeFirst();
    return row === undefined ? undefined : decode(row);
  };

  /** Updates a running job held by `owner`; whether it was. */
  async function updateHeld(id: string, owner: string, values: Partial<Job>): Promise<boolean> {
    const result = await db
      .updateTable("jobs")
      .set(encode(values) as Updateable<JobsTable>)
      .where("id", "=", id)
      .where("organization_id", "=", currentOrganization())
      .where("lease_owner", "=", owner)
      .where("status", "=", "running")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  return {
    async enqueue(request) {
      const job: Job = {
        id: request.id,
        organization_id: currentOrganization(),
        kind: request.kind,
        payload: request.payload,
        status: "queued",
        concurrency_key: request.concurrency_key ?? null,
        priority: request.priority ?? 0,
        attempts: 0,
        max_attempts: request.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
        run_after: request.run_after ?? request.now,
        lease_owner: null,
        lease_expires_at: null,
        last_error: null,
        result: null,
        progress: null,
        created_at: request.now,
        updated_at: request.now,
        finished_at: null,
      };
      // The active job of a key may finish between our insert and our read: then insert again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const inserted = await db
          .insertInto("jobs")
          .values(encode(job) as Insertable<JobsTable>)
          .onConflict((conflict) => conflict.doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { job, created: true };
        if (job.concurrency_key === null) break;
        const active = await db
          .selectFrom("jobs")
          .selectAll()
          .where("concurrency_key", "=", job.concurrency_key)
          .where("organization_id", "=", job.organization_id)
          .executeTakeFirst();
        if (active !== undefined) return { job: decode(active), created: false };
      }
      throw new Error(`Could not enqueue job '${job.id}': its id is taken`);
    },

    get: getJob,

    async list(query: JobListQuery) {
      let select = db
        .selectFrom("jobs")
        .selectAll("jobs")
        .where("jobs.organization_id", "=", currentOrganization());
      if (query.kind !== undefined) select = select.where("jobs.kind", "=", query.kind);
      if (query.statuses !== undefined) {
        select =
          query.statuses.length === 0
            ? select.where(matchesNothing)
            : select.where("jobs.status", "in", query.statuses);
      }
      if (query.concurrency_key !== undefined) {
        select = select.where("jobs.concurrency_key", "=", query.concurrency_key);
      }
      const paged = await listPage(db, select, query, byCreation("jobs"));
      return paged.map(decode);
    },

    async claim({ owner, kinds, now, leaseMs, limit }) {
      if (kinds.length === 0 || limit <= 0) return [];
      const at = ts(now);
      return withTransaction(db, async (tx) => {
        // A worker that died on its last attempt leaves an expired lease with no attempts left: fail it.
        await tx
          .updateTable("jobs")
          .set(
            encode({
              status: "failed",
              concurrency_key: null,
              last_error: "lease expired",
              finished_at: now,
              updated_at: now,
            }) as Updateable<JobsTable>,
          )
          .where("status", "=", "running")
          .where("kind", "in", [...kinds])
          .where("lease_expires_at", "<=", at)
          .whereRef("attempts", ">=", "max_attempts")
          .execute();
        const candidates = tx
          .selectFrom("jobs")
          .select("jobs.id")
          .where("jobs.kind", "in", [...kinds])
          .where((eb) =>
            eb.or([
              eb.and([eb("jobs.status", "=", "queued"), eb("jobs.run_after", "<=", at)]),
              eb.and([eb("jobs.status", "=", "running"), eb("jobs.lease_expires_at", "<=", at)]),
            ]),
          )
          .orderBy("jobs.priority", "desc")
          .orderBy("jobs.run_after")
          .orderBy("jobs.created_at")
          .orderBy("jobs.id")
          .limit(limit);
        const ids = (await dialect.lockForClaim(candidates).execute()).map((row) => row.id);
        if (ids.length === 0) return [];
        await tx
          .updateTable("jobs")
          .set((eb) => ({
            ...(encode({
              status: "running",
              lease_owner: owner,
              lease_expires_at: plusMs(now, leaseMs),
              updated_at: now,
            }) as Updateable<JobsTable>),
            attempts: eb("attempts", "+", 1),
          }))
          .where("id", "in", ids)
          .execute();
        const rows = await tx.selectFrom("jobs").selectAll().where("id", "in", ids).execute();
        const byId = new Map(rows.map((row) => [row.id, decode(row)]));
        return ids.flatMap((id) => byId.get(id) ?? []);
      });
    },

    heartbeat: (id, owner, now, leaseMs, progress) =>
      updateHeld(id, owner, {
        lease_expires_at: plusMs(now, leaseMs),
        updated_at: now,
        ...(progress === undefined ? {} : { progress }),
      }),

    complete: (id, owner, now, result) =>
      updateHeld(id, owner, {
        status: "succeeded",
        concurrency_key: null,
        lease_expires_at: null,
        result: result ?? null,
        finished_at: now,
        updated_at: now,
      }),

    async fail(id, owner, now, error, retryAt) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const row = await tx
          .selectFrom("jobs")
          .select(["attempts", "max_attempts"])
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .where("lease_owner", "=", owner)
          .where("status", "=", "running")
          .executeTakeFirst();
        if (row === undefined) return false;
        const retry = retryAt !== undefined && Number(row.attempts) < Number(row.max_attempts);
        const values: Partial<Job> = retry
          ? { status: "queued", run_after: retryAt, lease_owner: null, lease_expires_at: null }
          : { status: "failed", concurrency_key: null, lease_expires_at: null, finished_at: now };
        await tx
          .updateTable("jobs")
          .set(encode({ ...values, last_error: error, updated_at: now }) as Updateable<JobsTable>)
          .where("id", "=", id)
          .execute();
        return true;
      });
    },

    async release(id, owner, now) {
      const result = await db
        .updateTable("jobs")
        .set((eb) => ({
          ...(encode({
            status: "queued",
            run_after: now,
            lease_owner: null,
            lease_expires_at: null,
            updated_at: now,
          }) as Updateable<JobsTable>),
          attempts: eb("attempts", "-", 1),
        }))
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .where("lease_owner", "=", owner)
        .where("status", "=", "running")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async reschedule(id, now, runAfter, payload) {
      const result = await db
        .updateTable("jobs")
        .set(
          encode({
            run_after: runAfter,
            updated_at: now,
            ...(payload === undefined ? {} : { payload }),
          }) as Updateable<JobsTable>,
        )
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .where("status", "=", "queued")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async cancel(id, now) {
      const result = await db
        .updateTable("jobs")
        .set(
          encode({
            status: "cancelled",
            concurrency_key: null,
            lease_expires_at: null,
            finished_at: now,
            updated_at: now,
          }) as Updateable<JobsTable>,
        )
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .where("status", "in", ["queued", "running"])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
