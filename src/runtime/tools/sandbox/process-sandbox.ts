import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBoundedProcess } from "./bounded-process.js";
import {
  countTasksOf,
  type LocalRuntimes,
  leaseToolUser,
  rlimitPrefix,
  toolProcessEnv,
} from "./local-runtime.js";
import {
  type Sandbox,
  type SandboxRunRequest,
  type SandboxRunResult,
  sandboxFailure,
  sandboxLimits,
} from "./sandbox.js";
import { buildToolProgram, readProgramOutcome } from "./tool-program.js";

/**
 * A plain child process, only when the operator opts in (REVERIE_TOOL_SANDBOX=process): the environment
 * is stripped and the limits hold, but the tool sees the server's files. A root server runs it as
 * an unprivileged user of its own, so at least files only root may read stay closed.
 */
export class ProcessSandbox implements Sandbox {
  readonly kind = "process";

  constructor(
    private readonly runtimes: LocalRuntimes,
    warn: (message: string) => void,
  ) {
    warn(
      "REVERIE_TOOL_SANDBOX=process: custom tools run as plain child processes; their files are NOT isolated from the server's",
    );
  }

  async run(request: SandboxRunRequest): Promise<SandboxRunResult> {
    const limits = sandboxLimits(request);
    const environment = request.environment;
    const built = buildToolProgram(request, {
      modulesDir: environment?.kind === "node-modules" ? environment.path : undefined,
      nodeHeapBytes: limits.memoryBytes,
    });
    if (!built.ok) return { ok: false, error: built.error, stdout: "", stderr: "" };
    const program = built.value;
    const runtime = this.runtimes[program.runtime];
    if (!runtime) return sandboxFailure("SandboxError", `${program.runtime} is not installed on the server`);
    const interpreter =
      program.runtime === "python" && environment?.kind === "python-venv"
        ? join(environment.path, "bin", "python")
        : runtime.path;
    const runAs = leaseToolUser();
    // Without a user namespace the process cap counts every process of the user, so leave room for theirs.
    const uid = runAs?.uid ?? process.getuid?.() ?? -1;
    const nproc = countTasksOf(uid) + limits.maxProcesses;
    const workDir = mkdtempSync(join(tmpdir(), "reverie-tool-"));
    if (runAs) chownSync(workDir, runAs.uid, runAs.gid);
    try {
      const exit = await runBoundedProcess({
        argv: [
          ...rlimitPrefix(this.runtimes, program.runtime, limits, { nproc }),
          interpreter,
          ...program.args,
        ],
        env: { ...toolProcessEnv(request.env), HOME: workDir, TMPDIR: workDir },
        stdin: program.stdin,
        cwd: workDir,
        timeoutMs: limits.timeoutMs,
        outputLimitBytes: limits.outputBytes,
        uid: runAs?.uid,
        gid: runAs?.gid,
        signal: request.signal,
      });
      return readProgramOutcome(program, exit, limits);
    } finally {
      runAs?.release();
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}
