import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { runBoundedProcess } from "./bounded-process.js";
import { type LocalRuntimes, rlimitPrefix, toolProcessEnv, toolRunAs } from "./local-runtime.js";
import {
  type Sandbox,
  type SandboxRunRequest,
  type SandboxRunResult,
  sandboxFailure,
  sandboxLimits,
} from "./sandbox.js";
import { buildToolProgram, readProgramOutcome } from "./tool-program.js";

/** How the bubblewrap backend is set up. */
export interface BubblewrapSandboxOptions {
  /** Path of the `bwrap` program. */
  bwrap: string;
  runtimes: LocalRuntimes;
  /** Share the host's network (tools that call web APIs need it); off unshares it. */
  network: boolean;
}

/** Top-level folders that are links into /usr on merged-/usr systems, or real folders elsewhere. */
const SYSTEM_ROOTS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/**
 * Files of /etc a tool may need (TLS roots, name resolution, time zone, the dynamic linker's cache,
 * user names). Nothing else of /etc, and nothing of the data directory, /root, /home or /work exists.
 */
const ETC_ENTRIES = [
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/host.conf",
  "/etc/gai.conf",
  "/etc/localtime",
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/passwd",
  "/etc/group",
  "/etc/mime.types",
];

/**
 * The Linux default backend: each run gets new user, PID, IPC, UTS and cgroup namespaces (and network
 * when `network` is off), a read-only view of /usr and a few /etc files, an empty /tmp, no capabilities,
 * its own session, and dies with the server. Inside, prlimit caps address space, processes and CPU time;
 * outside, the server caps wall time and output and kills the sandbox on either.
 */
export class BubblewrapSandbox implements Sandbox {
  readonly kind = "bubblewrap";
  #probe: Promise<string | undefined> | undefined;

  constructor(private readonly options: BubblewrapSandboxOptions) {}

  async run(request: SandboxRunRequest): Promise<SandboxRunResult> {
    this.#probe ??= this.#checkWorks();
    const broken = await this.#probe;
    if (broken) return sandboxFailure("SandboxError", broken);
    const limits = sandboxLimits(request);
    const environment = request.environment;
    const built = buildToolProgram(request, {
      modulesDir: environment?.kind === "node-modules" ? environment.path : undefined,
      nodeHeapBytes: limits.memoryBytes,
    });
    if (!built.ok) return { ok: false, error: built.error, stdout: "", stderr: "" };
    const program = built.value;
    const runtime = this.options.runtimes[program.runtime];
    if (!runtime) return sandboxFailure("SandboxError", `${program.runtime} is not installed on the server`);
    const interpreter =
      program.runtime === "python" && environment?.kind === "python-venv"
        ? `${environment.path}/bin/python`
        : runtime.path;
    const binds = [...runtime.binds, ...(environment ? [environment.path] : [])];
    const argv = [
      this.options.bwrap,
      ...this.#namespaceArgs(binds),
      "--",
      ...rlimitPrefix(this.options.runtimes, program.runtime, limits),
      interpreter,
      ...program.args,
    ];
    const runAs = toolRunAs();
    const exit = await runBoundedProcess({
      argv,
      env: toolProcessEnv(request.env),
      stdin: program.stdin,
      timeoutMs: limits.timeoutMs,
      outputLimitBytes: limits.outputBytes,
      uid: runAs?.uid,
      gid: runAs?.gid,
      signal: request.signal,
    });
    return readProgramOutcome(program, exit, limits);
  }

  #namespaceArgs(binds: readonly string[]): string[] {
    const args = [
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      ...(this.options.network ? [] : ["--unshare-net"]),
      "--die-with-parent",
      "--new-session",
      "--cap-drop",
      "ALL",
      "--hostname",
      "sandbox",
      "--ro-bind",
      "/usr",
      "/usr",
    ];
    for (const root of SYSTEM_ROOTS) {
      const link = symlinkTarget(root);
      if (link !== undefined) args.push("--symlink", link, root);
      else if (existsSync(root)) args.push("--ro-bind", root, root);
    }
    for (const entry of ETC_ENTRIES) args.push("--ro-bind-try", entry, entry);
    for (const bind of binds) args.push("--ro-bind", bind, bind);
    args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp");
    return args;
  }

  /** One trivial sandbox start, so a kernel without user namespaces is reported with bwrap's reason. */
  async #checkWorks(): Promise<string | undefined> {
    const runAs = toolRunAs();
    const exit = await runBoundedProcess({
      argv: [this.options.bwrap, ...this.#namespaceArgs([]), "--", "/usr/bin/env", "true"],
      env: toolProcessEnv({}),
      timeoutMs: 15_000,
      outputLimitBytes: 64 * 1024,
      uid: runAs?.uid,
      gid: runAs?.gid,
    });
    if (exit.exitCode === 0) return undefined;
    const reason = exit.spawnError ?? (exit.stderr.trim() || `exit code ${exit.exitCode ?? exit.signal}`);
    return `the bubblewrap sandbox cannot start here (${reason}); enable unprivileged user namespaces or set REVERIE_TOOL_SANDBOX=docker|e2b|process`;
  }
}

function symlinkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}
