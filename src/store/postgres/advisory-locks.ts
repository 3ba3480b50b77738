import pg from "pg";
import type { DatabaseLocks } from "../store.js";

/**
 * Session-level advisory locks on one dedicated connection: a lock lives as long as that connection,
 * so when a process dies its locks go with it. Keys are hashed with `hashtextextended` and namespaced
 * by schema, so stores in different schemas of one database never collide.
 */
export function createAdvisoryLocks(options: { url: string; schema?: string | undefined }): DatabaseLocks & {
  close(): Promise<void>;
} {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;

  async function connection(): Promise<pg.Client> {
    if (client) return client;
    connecting ??= (async () => {
      const fresh = new pg.Client({ connectionString: options.url });
      // A dropped connection releases every lock it held; forget it and reconnect on the next call.
      fresh.on("error", () => {
        if (client === fresh) client = undefined;
      });
      fresh.on("end", () => {
        if (client === fresh) client = undefined;
      });
      await fresh.connect();
      client = fresh;
      return fresh;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  // One connection serves every lock of the process, and turns, jobs and recovery ask for locks at
  // the same time: their statements go through this queue one after the other. Issued concurrently,
  // node-postgres queued them itself, a deprecated behaviour (a warning now, an error in pg 9).
  let queue: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(work, work);
    queue = result.catch(() => {});
    return result;
  }

  const namespaced = (key: string) => `reverie:${options.schema ?? ""}:${key}`;

  return {
    async tryAcquire(key) {
      const { holder, ok } = await serially(async () => {
        const holder = await connection();
        const result = await holder.query<{ ok: boolean }>(
          "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok",
          [namespaced(key)],
        );
        return { holder, ok: result.rows[0]?.ok === true };
      });
      if (!ok) return undefined;
      let released = false;
      return {
        release: () =>
          serially(async () => {
            if (released || client !== holder) return;
            released = true;
            await holder.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [namespaced(key)]);
          }),
      };
    },
    async isHeld(key) {
      // A bigint advisory key shows in pg_locks as its high (classid) and low (objid) 32 bits.
      const result = await serially(async () =>
        (await connection()).query<{ held: boolean }>(
          `SELECT EXISTS (
           SELECT 1 FROM pg_locks
           WHERE locktype = 'advisory' AND objsubid = 1 AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)
         ) AS held`,
          [namespaced(key)],
        ),
      );
      return result.rows[0]?.held === true;
    },
    async close() {
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
