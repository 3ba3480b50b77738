import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the background connection checkpoints the write-ahead log. */
const CHECKPOINT_EVERY_MS = 250;

/**
 * The main connection checkpoints on its own only when the log passes this many pages (SQLite's default
 * is 1,000, 4 MB): far past what the background thread lets accumulate, so it is only a fallback.
 */
export const MAIN_AUTOCHECKPOINT_PAGES = 25_000;

// Plain CommonJS run by the thread: its own connection to the same file, checkpointing without
// blocking writers (PASSIVE), until told to stop.
const THREAD_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 0");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or locked: the next round tries again.
  }
}, workerData.everyMs);
parentPort.once("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A thread that checkpoints one database's write-ahead log. */
export interface WalCheckpointer {
  /** Stops the thread (its connection closed) and resolves once it has exited. */
  close(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the event loop. With SQLite's automatic checkpoint, the commit that
 * pushes the log past 1,000 pages copies the log into the database file and syncs it, synchronously:
 * after a 10 MB upload or archival insert one commit held every request for 400-900 ms on a busy
 * disk. A worker thread with its own connection checkpoints instead, every
 * {@link CHECKPOINT_EVERY_MS}; the main connection's own threshold is raised to
 * {@link MAIN_AUTOCHECKPOINT_PAGES} as a fallback should the thread fall behind.
 */
export function startWalCheckpointer(path: string): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const thread = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { driver, path, everyMs: CHECKPOINT_EVERY_MS },
  });
  // A thread that cannot open the file (or dies) leaves the fallback threshold in charge.
  thread.on("error", () => {});
  thread.unref();
  const exited = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
  return {
    async close() {
      // Referenced again while it stops: an unreferenced thread would let a process with nothing
      // else to do exit before the thread closed its connection, leaving close() unsettled (a CLI
      // command then ended with code 0 and none of its output).
      thread.ref();
      thread.postMessage("stop");
      await exited;
    },
  };
}
