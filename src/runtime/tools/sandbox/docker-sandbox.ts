import { randomBytes } from "node:crypto";
import { runBoundedProcess } from "./bounded-process.js";
import { toolProcessEnv } from "./local-runtime.js";
import {
  type Sandbox,
  type SandboxRunRequest,
  type SandboxRunResult,
  sandboxFailure,
  sandboxLimits,
} from "./sandbox.js";
import { buildToolProgram, type ProgramExit, readProgramOutcome } from "./tool-program.js";

/** How the docker backend is set up (REVERIE_TOOL_DOCKER_IMAGE, REVERIE_TOOL_DOCKER_NODE_IMAGE). */
export interface DockerSandboxOptions {
  /** Path of the `docker` CLI. */
  docker: string;
  /** Image for Python tools; it must have `python3` on its PATH (and the tool's pip requirements). */
  pythonImage: string;
  /** Image for JavaScript/TypeScript tools; it must have `node` on its PATH. */
  nodeImage: string;
  network: boolean;
  /** The variables the docker CLI itself needs (DOCKER_HOST, DOCKER_CONFIG, HOME...), never the tool's. */
  cliEnv: Record<string, string>;
}

/** Default images: the official slim ones. */
export const DEFAULT_DOCKER_IMAGES = { python: "python:3.12-slim", node: "node:22-slim" } as const;

/**
 * Runs each tool in a fresh container: no network unless allowed, read-only root with an empty /tmp,
 * no capabilities, no new privileges, user `nobody`, and the daemon's memory, PID and CPU limits. The
 * tool's variables reach the container by name only (`-e NAME`), so their values never appear in a
 * command line. A run that times out or overflows is removed with `docker rm -f`.
 */
export class DockerSandbox implements Sandbox {
  readonly kind = "docker";

  constructor(private readonly options: DockerSandboxOptions) {}

  async run(request: SandboxRunRequest): Promise<SandboxRunResult> {
    const limits = sandboxLimits(request);
    const environment = request.environment;
    const mountPoint = "/opt/reverie-tool-env";
    const built = buildToolProgram(request, {
      modulesDir: environment?.kind === "node-modules" ? mountPoint : undefined,
      nodeHeapBytes: limits.memoryBytes,
    });
    if (!built.ok) return { ok: false, error: built.error, stdout: "", stderr: "" };
    const program = built.value;
    const name = `reverie-tool-${randomBytes(8).toString("hex")}`;
    const toolEnv = toolProcessEnv(request.env);
    const argv = [
      this.options.docker,
      ...dockerRunArgs({
        name,
        image: program.runtime === "python" ? this.options.pythonImage : this.options.nodeImage,
        network: this.options.network,
        memoryBytes: limits.memoryBytes,
        maxProcesses: limits.maxProcesses,
        cpuSeconds: Math.ceil(limits.timeoutMs / 1000) + 1,
        envNames: Object.keys(toolEnv),
        mount: environment?.kind === "node-modules" ? { from: environment.path, to: mountPoint } : undefined,
      }),
      program.runtime === "python" ? "python3" : "node",
      ...program.args,
    ];
    const exit = await runBoundedProcess({
      argv,
      env: { ...this.options.cliEnv, ...toolEnv },
      stdin: program.stdin,
      timeoutMs: limits.timeoutMs,
      outputLimitBytes: limits.outputBytes,
      signal: request.signal,
    });
    if (exit.timedOut || exit.overflowed || request.signal?.aborted) await this.#remove(name);
    if (exit.spawnError)
      return sandboxFailure("SandboxError", `docker could not be started: ${exit.spawnError}`);
    return readProgramOutcome(program, dockerExit(exit), limits);
  }

  async #remove(name: string): Promise<void> {
    await runBoundedProcess({
      argv: [this.options.docker, "rm", "-f", name],
      env: this.options.cliEnv,
      timeoutMs: 30_000,
      outputLimitBytes: 64 * 1024,
    });
  }
}

/** The `docker run` arguments before the command (exported for tests). */
export function dockerRunArgs(spec: {
  name: string;
  image: string;
  network: boolean;
  memoryBytes: number;
  maxProcesses: number;
  cpuSeconds: number;
  envNames: readonly string[];
  mount?: { from: string; to: string } | undefined;
}): string[] {
  return [
    "run",
    "--rm",
    "-i",
    "--name",
    spec.name,
    "--network",
    spec.network ? "bridge" : "none",
    "--memory",
    String(spec.memoryBytes),
    "--memory-swap",
    String(spec.memoryBytes),
    "--pids-limit",
    String(spec.maxProcesses),
    "--ulimit",
    `cpu=${spec.cpuSeconds}`,
    "--ulimit",
    "core=0",
    "--read-only",
    "--tmpfs",
    "/tmp:rw,nosuid,nodev,size=256m",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--user",
    "65534:65534",
    "--workdir",
    "/tmp",
    "--log-driver",
    "none",
    ...spec.envNames.flatMap((name) => ["-e", name]),
    ...(spec.mount ? ["-v", `${spec.mount.from}:${spec.mount.to}:ro`] : []),
    spec.image,
  ];
}

/** docker reports a container killed by the OOM killer as exit code 137 (128 + SIGKILL). */
function dockerExit(exit: ProgramExit): ProgramExit {
  if (exit.exitCode === 137) return { ...exit, exitCode: null, signal: "SIGKILL" };
  if (exit.exitCode === 125)
    return {
      ...exit,
      spawnError: `docker could not run the container: ${exit.stderr.trim().split("\n").at(-1) ?? ""}`,
    };
  return exit;
}
