import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The checkout's `bin/reverie.js`: tests start the server exactly as a user does. */
export const REVERIE_BIN = fileURLToPath(new URL("../../bin/reverie.js", import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** What it printed on stdout alone, and on stderr alone. */
  stdout(): string;
  stderr(): string;
  /** Stops the process with `signal` and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * How long a server may take to print its URL: a start-up is about a second alone, but tens of seconds
 * on a machine loaded by parallel suites.
 */
const START_TIMEOUT_MS = 60_000;

/** Spawns `reverie server --port 0` with `env` and resolves once it prints its URL. */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  args: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [REVERIE_BIN, "server", "--port", "0", ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_MODELS_HUB: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in time:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });

  return {
    url,
    child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
