import { readFileSync } from "node:fs";

/** How often the parents are checked; an orphaned server stops within about this long. */
const CHECK_MS = 500;

/**
 * Calls `onOrphaned` once if the process that started this one goes away. `npm start` and
 * `npx reverie` run the server as npm → `sh -c` → node: a SIGTERM that reaches npm alone ends npm
 * and the shell, and a SIGKILL ends npm and leaves the shell waiting; either way the server would
 * run on with nobody to stop it. So both links are watched: this process's parent, and (on Linux,
 * where /proc tells) that parent's own parent. Returns a function that stops watching.
 */
export function watchParent(onOrphaned: () => void): () => void {
  const parent = process.ppid;
  // Started by init itself (a container's entry point): there is no parent to outlive.
  if (parent <= 1) return () => {};
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    const orphaned =
      process.ppid !== parent ||
      (grandparent !== undefined && grandparent > 1 && parentOf(parent) !== grandparent);
    if (orphaned) {
      clearInterval(timer);
      onOrphaned();
    }
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** The parent of process `pid` from /proc, or undefined where there is no /proc (or it is gone). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command name (which may hold spaces and parentheses): state ppid ...
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Whether npm started this process (`npm start`, `npx reverie`, `npm run ...`). */
export function startedByNpm(env: Record<string, string | undefined> = process.env): boolean {
  return env.npm_command !== undefined || env.npm_lifecycle_event !== undefined;
}
