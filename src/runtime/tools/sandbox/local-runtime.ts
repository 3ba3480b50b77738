import { randomInt } from "node:crypto";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import { findExecutable } from "./executables.js";

/** An interpreter on this machine and the folders a sandbox must show for it to run. */
export interface LocalRuntime {
  path: string;
  /** Folders outside /usr the interpreter lives in (a pyenv or nvm install), bound read-only. */
  binds: string[];
}

/** The interpreters and helpers the local backends (bubblewrap, process) run tools with. */
export interface LocalRuntimes {
  python?: LocalRuntime | undefined;
  node?: LocalRuntime | undefined;
  /** util-linux `prlimit`, which sets the memory, process and CPU limits of the tool process. */
  prlimit?: string | undefined;
  /** util-linux `setpriv`, with which a root server drops the tool to `nobody` inside the sandbox. */
  setpriv?: string | undefined;
}

/**
 * Finds python3 and node. The system interpreters (/usr/bin) come first: they need nothing but /usr
 * inside a sandbox, while one installed under a home folder (pyenv, nvm) must have its prefix bound.
 * `pythonPath`/`nodePath` override the search (REVERIE_TOOL_PYTHON, REVERIE_TOOL_NODE).
 */
export function findLocalRuntimes(
  options: { pythonPath?: string | undefined; nodePath?: string | undefined; searchPath?: string } = {},
): LocalRuntimes {
  const search = options.searchPath ?? process.env.PATH ?? "";
  return {
    python: localRuntime(
      options.pythonPath ??
        firstExisting(["/usr/bin/python3", "/usr/local/bin/python3"]) ??
        findExecutable("python3", search),
    ),
    node: localRuntime(
      options.nodePath ??
        firstExisting(["/usr/bin/node", "/usr/local/bin/node"]) ??
        findExecutable("node", search) ??
        process.execPath,
    ),
    prlimit: firstExisting(["/usr/bin/prlimit"]),
    setpriv: firstExisting(["/usr/bin/setpriv"]),
  };
}

function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((path) => findExecutable(path) !== undefined);
}

function localRuntime(path: string | undefined): LocalRuntime | undefined {
  if (!path) return undefined;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  if (real.startsWith("/usr/")) return { path, binds: [] };
  // <prefix>/bin/<interpreter>: the prefix holds its libraries.
  const prefix = dirname(dirname(real));
  return { path: real, binds: [prefix] };
}

/**
 * `prlimit` arguments that cap the tool process: address space (for node, V8's heap is capped by
 * --max-old-space-size and the address space gets room for V8's reservations), process count, CPU
 * seconds (a little past the wall-clock timeout), and no core files.
 */
export function rlimitPrefix(
  runtimes: LocalRuntimes,
  runtime: "python" | "node",
  limits: { timeoutMs: number; memoryBytes: number; maxProcesses: number },
  options: { nproc?: number | undefined } = {},
): string[] {
  if (!runtimes.prlimit) return [];
  const addressSpace = runtime === "node" ? limits.memoryBytes + 2 * 1024 ** 3 : limits.memoryBytes;
  const cpuSeconds = Math.ceil(limits.timeoutMs / 1000) + 1;
  const nproc = options.nproc ?? limits.maxProcesses;
  return [
    runtimes.prlimit,
    `--as=${addressSpace}`,
    `--nproc=${nproc}`,
    `--cpu=${cpuSeconds}`,
    "--core=0",
    "--",
  ];
}

/** The environment a tool process gets: the allowed variables plus a minimal PATH, HOME and locale. */
export function toolProcessEnv(allowed: Record<string, string>): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/tmp",
    LANG: "C.UTF-8",
    ...allowed,
  };
}

/** How many tasks (threads count: RLIMIT_NPROC counts them) a user has now. */
export function countTasksOf(uid: number): number {
  let count = 0;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const owner = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(owner) !== uid) continue;
      count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}

const activeToolUsers = new Set<number>();
const TOOL_USER_BASE = 200_000;

/** A user id lent to one run; `release` returns it once the run's processes are gone. */
export interface ToolUser {
  uid: number;
  gid: number;
  release(): void;
}

/**
 * When the server is root, each run gets its own unprivileged user id (no passwd entry, no files):
 * the kernel's process cap is counted per user, so runs cannot use up each other's share, and one
 * tool cannot signal or trace another. Undefined when the server is not root (it cannot switch users).
 */
export function leaseToolUser(): ToolUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let uid = TOOL_USER_BASE + randomInt(65_536);
  while (activeToolUsers.has(uid)) uid = TOOL_USER_BASE + randomInt(65_536);
  activeToolUsers.add(uid);
  return { uid, gid: uid, release: () => activeToolUsers.delete(uid) };
}
