import type { SqlDb } from "./dialect.js";

/** Runs `fn` in a transaction on `db`, joining the one `db` already is, if any. */
export function withTransaction<T>(db: SqlDb, fn: (tx: SqlDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
