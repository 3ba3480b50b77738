import { spawn } from "node:child_process";

/** How a child process is started and bounded. */
export interface BoundedProcessOptions {
  /** The program and its arguments (`argv[0]` is an absolute path or found in the caller's PATH). */
  argv: readonly string[];
  /** The child's whole environment: nothing of the server's is inherited. */
  env: Record<string, string>;
  stdin?: string | undefined;
  cwd?: string | undefined;
  /** Killed (with its whole process group) after this long. */
  timeoutMs: number;
  /** Killed once stdout and stderr together exceed this many bytes. */
  outputLimitBytes: number;
  /** Run the child as this user and group (when the server runs as root). */
  uid?: number | undefined;
  gid?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What a bounded child did. */
export interface BoundedProcessResult {
  exitCode: number | null;
  /** The signal that ended the child, if one did. */
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The output passed the limit and the child was killed. */
  overflowed: boolean;
  /** The program could not be started (missing executable, bad uid). */
  spawnError?: string | undefined;
  durationMs: number;
}

/**
 * Runs a child in its own process group with a clean environment, a timeout and an output cap; on either
 * limit the whole group is killed, so grandchildren (a fork bomb, a shell's background job) die too.
 */
export function runBoundedProcess(options: BoundedProcessOptions): Promise<BoundedProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const [command, ...args] = options.argv;
    if (!command) throw new Error("runBoundedProcess needs a program to run");
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      uid: options.uid,
      gid: options.gid,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let overflowed = false;
    let spawnError: string | undefined;
    let settled = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      // A descendant that left the group may still hold the pipes open: stop waiting for it.
      setTimeout(() => finish(null, "SIGKILL"), 2_000).unref();
    }, options.timeoutMs);
    const onAbort = () => killGroup();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (overflowed) return;
      bytes += chunk.length;
      if (bytes > options.outputLimitBytes) {
        overflowed = true;
        into.push(chunk.subarray(0, Math.max(0, chunk.length - (bytes - options.outputLimitBytes))));
        killGroup();
        setTimeout(() => finish(null, "SIGKILL"), 2_000).unref();
        return;
      }
      into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    // A child that exits before reading its input closes the pipe; that is not an error of ours.
    child.stdin.on("error", () => {});
    child.on("error", (error) => {
      spawnError = error.message;
      finish(null, null);
    });
    child.on("close", (code, signal) => finish(code, signal));
    child.stdin.end(options.stdin ?? "");

    function finish(exitCode: number | null, signal: NodeJS.Signals | null) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      options.signal?.removeEventListener("abort", onAbort);
      // The leader is gone; anything it left behind in its group goes with it.
      killGroup();
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        timedOut,
        overflowed,
        spawnError,
        durationMs: performance.now() - started,
      });
    }
  });
}
