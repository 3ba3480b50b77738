import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { runBoundedProcess } from "./bounded-process.js";
import {
  countTasksOf,
  type LocalRuntimes,
  leaseToolUser,
  rlimitPrefix,
  type ToolUser,
  toolProcessEnv,
} from "./local-runtime.js";
import {
  type Sandbox,
  type SandboxRunRequest,
  type SandboxRunResult,
  sandboxFailure,
  sandboxLimits,
} from "./sandbox.js";
import { buildToolProgram, readProgramOutcome, type ToolProgram } from "./tool-program.js";

/** How the bubblewrap backend is set up. */
export interface BubblewrapSandboxOptions {
  /** Path of the `bwrap` program. */
  bwrap: string;
  runtimes: LocalRuntimes;
  /** Share the host's network (tools that call web APIs need it); off unshares it. */
  network: boolean;
}

/** Where the tool's installed requirements (a virtualenv or node_modules folder) appear, read-only. */
export const TOOL_ENV_MOUNT = "/opt/reverie-tool-env";

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
      modulesDir: environment?.kind === "node-modules" ? TOOL_ENV_MOUNT : undefined,
      nodeHeapBytes: limits.memoryBytes,
    });
    if (!built.ok) return { ok: false, error: built.error, stdout: "", stderr: "" };
    const program = built.value;
    const runtime = this.options.runtimes[program.runtime];
    if (!runtime) return sandboxFailure("SandboxError", `${program.runtime} is not installed on the server`);
    const interpreter =
      program.runtime === "python" && environment?.kind === "python-venv"
        ? `${TOOL_ENV_MOUNT}/bin/python`
        : runtime.path;
    const user = leaseToolUser();
    try {
      return await this.#runAs(user, request, program, interpreter, runtime.binds, limits);
    } finally {
      user?.release();
    }
  }

  async #runAs(
    user: ToolUser | undefined,
    request: SandboxRunRequest,
    program: ToolProgram,
    interpreter: string,
    runtimeBinds: readonly string[],
    limits: ReturnType<typeof sandboxLimits>,
  ): Promise<SandboxRunResult> {
    const environment = request.environment;
    const mode = this.#mode(user);
    const nproc =
      mode.dropTo !== undefined ? countTasksOf(mode.dropTo.uid) + limits.maxProcesses : limits.maxProcesses;
    const argv = [
      this.options.bwrap,
      ...this.#namespaceArgs(mode, runtimeBinds, environment?.path),
      "--",
      ...(mode.dropTo !== undefined ? this.#dropPrivileges(mode.dropTo) : []),
      ...rlimitPrefix(this.options.runtimes, program.runtime, limits, { nproc }),
      interpreter,
      ...program.args,
    ];
    const exit = await runBoundedProcess({
      argv,
      env: toolProcessEnv(request.env),
      stdin: program.stdin,
      timeoutMs: limits.timeoutMs,
      outputLimitBytes: limits.outputBytes,
      uid: mode.spawnAs?.uid,
      gid: mode.spawnAs?.gid,
      signal: request.signal,
    });
    return readProgramOutcome(program, exit, limits);
  }

  /**
   * A root server starts bwrap as root (so it can bind the tool's environment from a data directory only
   * root may enter) and drops the tool to the run's own unprivileged user inside with setpriv: RLIMIT_NPROC does
   * not hold for a process whose real user is root, even in a user namespace. Any other user runs bwrap
   * unprivileged in a new user namespace, where the process cap counts this sandbox's processes only.
   */
  #mode(user: ToolUser | undefined): {
    dropTo?: { uid: number; gid: number };
    spawnAs?: { uid: number; gid: number };
  } {
    if (!user) return {};
    if (this.options.runtimes.setpriv) return { dropTo: user };
    return { spawnAs: user };
  }

  #dropPrivileges(to: { uid: number; gid: number }): string[] {
    return [
      this.options.runtimes.setpriv ?? "setpriv",
      `--reuid=${to.uid}`,
      `--regid=${to.gid}`,
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--",
    ];
  }

  #namespaceArgs(
    mode: { dropTo?: { uid: number; gid: number } },
    runtimeBinds: readonly string[],
    environmentPath: string | undefined,
  ): string[] {
    const privileged = mode.dropTo !== undefined;
    const args = [
      ...(privileged ? [] : ["--unshare-user"]),
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      ...(this.options.network ? [] : ["--unshare-net"]),
      "--die-with-parent",
      "--new-session",
      "--cap-drop",
      "ALL",
      // setpriv needs these to become nobody; it then clears every capability and the bounding set.
      ...(privileged
        ? ["--cap-add", "cap_setuid", "--cap-add", "cap_setgid", "--cap-add", "cap_setpcap"]
        : []),
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
    // Folders bwrap creates are root's with mode 0700 unless told: the tool's user must enter them.
    args.push("--perms", "0755", "--dir", "/etc");
    for (const entry of ETC_ENTRIES) args.push("--ro-bind-try", entry, entry);
    for (const bind of runtimeBinds) args.push("--ro-bind", bind, bind);
    if (environmentPath)
      args.push("--perms", "0755", "--dir", "/opt", "--ro-bind", environmentPath, TOOL_ENV_MOUNT);
    args.push("--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--chdir", "/tmp");
    return args;
  }

  /** One trivial sandbox start, so a kernel without user namespaces is reported with bwrap's reason. */
  async #checkWorks(): Promise<string | undefined> {
    const user = leaseToolUser();
    const mode = this.#mode(user);
    const exit = await runBoundedProcess({
      argv: [
        this.options.bwrap,
        ...this.#namespaceArgs(mode, [], undefined),
        "--",
        ...(mode.dropTo !== undefined ? this.#dropPrivileges(mode.dropTo) : []),
        "/usr/bin/env",
        "true",
      ],
      env: toolProcessEnv({}),
      timeoutMs: 15_000,
      outputLimitBytes: 64 * 1024,
      uid: mode.spawnAs?.uid,
      gid: mode.spawnAs?.gid,
    });
    user?.release();
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
