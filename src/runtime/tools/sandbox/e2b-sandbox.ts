import { NODE_DRIVER } from "./node-driver.js";
import { PYTHON_DRIVER } from "./python-driver.js";
import {
  type Sandbox,
  type SandboxRunRequest,
  type SandboxRunResult,
  sandboxFailure,
  sandboxLimits,
} from "./sandbox.js";
import { buildToolProgram, type ProgramExit, readProgramOutcome } from "./tool-program.js";

/** How the E2B backend is set up (E2B_API_KEY, E2B_DOMAIN, REVERIE_TOOL_E2B_TEMPLATE). */
export interface E2bSandboxOptions {
  apiKey: string;
  /** `e2b.app` by default; the API is `https://api.<domain>`, a sandbox's daemon `https://49983-<id>.<domain>`. */
  domain: string;
  /** The sandbox template; it needs python3 (and node for JavaScript tools). */
  template: string;
  network: boolean;
  /** Overrides the URLs (a local fake in tests). */
  apiUrl?: string | undefined;
  envdUrl?: ((sandboxId: string, domain: string) => string) | undefined;
  fetch?: typeof fetch | undefined;
}

const ENVD_PORT = 49983;
const WORK_DIR = "/tmp/reverie-tool";

interface CreatedSandbox {
  sandboxID: string;
  envdAccessToken?: string | null;
  domain?: string | null;
}

/**
 * Runs each tool in a fresh E2B microVM through E2B's REST API: create a sandbox (the tool's variables
 * as its environment), upload the driver and the request, start the interpreter through the sandbox
 * daemon's process service (Connect protocol, JSON), read its output up to the cap, and delete the
 * sandbox. `ulimit` inside caps memory and processes; the wall-clock timeout is kept here.
 */
export class E2bSandbox implements Sandbox {
  readonly kind = "e2b";
  readonly #fetch: typeof fetch;

  constructor(private readonly options: E2bSandboxOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  async run(request: SandboxRunRequest): Promise<SandboxRunResult> {
    const limits = sandboxLimits(request);
    if (request.environment)
      return sandboxFailure(
        "SandboxError",
        "the e2b backend cannot use requirements installed on the server; bake them into the E2B template (REVERIE_TOOL_E2B_TEMPLATE)",
      );
    const built = buildToolProgram(request, { nodeHeapBytes: limits.memoryBytes });
    if (!built.ok) return { ok: false, error: built.error, stdout: "", stderr: "" };
    const program = built.value;
    const apiUrl = this.options.apiUrl ?? `https://api.${this.options.domain}`;
    const deadline = AbortSignal.timeout(limits.timeoutMs + 30_000);
    const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;

    let created: CreatedSandbox;
    try {
      const response = await this.#fetch(`${apiUrl}/sandboxes`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": this.options.apiKey },
        body: JSON.stringify({
          templateID: this.options.template,
          timeout: Math.ceil(limits.timeoutMs / 1000) + 60,
          envVars: request.env,
          allow_internet_access: this.options.network,
        }),
        signal,
      });
      if (!response.ok)
        return sandboxFailure(
          "SandboxError",
          `E2B refused to create a sandbox (${response.status}): ${(await response.text()).slice(0, 300)}`,
        );
      created = (await response.json()) as CreatedSandbox;
    } catch (error) {
      return sandboxFailure("SandboxError", `E2B could not be reached: ${(error as Error).message}`);
    }

    const domain = created.domain || this.options.domain;
    const envd =
      this.options.envdUrl?.(created.sandboxID, domain) ??
      `https://${ENVD_PORT}-${created.sandboxID}.${domain}`;
    const headers: Record<string, string> = created.envdAccessToken
      ? { "x-access-token": created.envdAccessToken }
      : {};
    try {
      const driver = program.runtime === "python" ? PYTHON_DRIVER : NODE_DRIVER;
      const driverFile = program.runtime === "python" ? "driver.py" : "driver.js";
      await this.#upload(envd, headers, `${WORK_DIR}/${driverFile}`, driver, signal);
      await this.#upload(envd, headers, `${WORK_DIR}/input.json`, program.stdin, signal);
      const interpreterArgs = program.args.slice(0, -2).map(shellQuote).join(" ");
      const interpreter = program.runtime === "python" ? "python3" : "node";
      const kib = Math.floor(
        (program.runtime === "node" ? limits.memoryBytes + 2 * 1024 ** 3 : limits.memoryBytes) / 1024,
      );
      const command = `ulimit -v ${kib} -u ${limits.maxProcesses} -c 0 2>/dev/null; cd ${WORK_DIR} && exec ${interpreter} ${interpreterArgs} ${WORK_DIR}/${driverFile} < ${WORK_DIR}/input.json`;
      const exit = await this.#start(envd, headers, command, request.env, limits, signal);
      return readProgramOutcome(program, exit, limits);
    } catch (error) {
      return sandboxFailure("SandboxError", `the E2B sandbox failed: ${(error as Error).message}`);
    } finally {
      await this.#fetch(`${apiUrl}/sandboxes/${encodeURIComponent(created.sandboxID)}`, {
        method: "DELETE",
        headers: { "x-api-key": this.options.apiKey },
        signal: AbortSignal.timeout(15_000),
      }).catch(() => undefined);
    }
  }

  async #upload(
    envd: string,
    headers: Record<string, string>,
    path: string,
    content: string,
    signal: AbortSignal,
  ) {
    const response = await this.#fetch(`${envd}/files?path=${encodeURIComponent(path)}&username=user`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: content,
      signal,
    });
    if (!response.ok) throw new Error(`upload of ${path} failed (${response.status})`);
  }

  /** Starts the command and reads the process service's event stream until it ends or a limit is hit. */
  async #start(
    envd: string,
    headers: Record<string, string>,
    command: string,
    envs: Record<string, string>,
    limits: { timeoutMs: number; outputBytes: number },
    outer: AbortSignal,
  ): Promise<ProgramExit> {
    const stop = new AbortController();
    const signal = AbortSignal.any([outer, stop.signal]);
    const exit: ProgramExit = {
      stdout: "",
      stderr: "",
      exitCode: null,
      signal: null,
      timedOut: false,
      overflowed: false,
    };
    const timer = setTimeout(() => {
      exit.timedOut = true;
      stop.abort();
    }, limits.timeoutMs);
    let bytes = 0;
    try {
      const response = await this.#fetch(`${envd}/process.Process/Start`, {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/connect+json",
          "connect-protocol-version": "1",
          authorization: `Basic ${Buffer.from("user:").toString("base64")}`,
        },
        body: connectFrame({ process: { cmd: "/bin/bash", args: ["-c", command], envs }, stdin: false }),
        signal,
      });
      if (!response.ok || !response.body) throw new Error(`process start failed (${response.status})`);
      for await (const message of connectMessages(response.body)) {
        if (message.end) {
          const error = (message.json as { error?: { message?: string } }).error;
          if (error) throw new Error(error.message ?? "stream error");
          break;
        }
        const event = (message.json as { event?: ProcessEvent }).event;
        if (event?.data) {
          const chunk = Buffer.from(event.data.stdout ?? event.data.stderr ?? "", "base64");
          bytes += chunk.length;
          if (bytes > limits.outputBytes) {
            exit.overflowed = true;
            stop.abort();
            break;
          }
          if (event.data.stdout !== undefined) exit.stdout += chunk.toString("utf8");
          else exit.stderr += chunk.toString("utf8");
        }
        if (event?.end) {
          exit.exitCode = event.end.exitCode ?? 0;
          if (!event.end.exited && event.end.status) exit.signal = event.end.status;
        }
      }
    } catch (error) {
      if (!exit.timedOut && !exit.overflowed) throw error;
    } finally {
      clearTimeout(timer);
    }
    return exit;
  }
}

interface ProcessEvent {
  start?: { pid?: number };
  data?: { stdout?: string; stderr?: string };
  end?: { exitCode?: number; exited?: boolean; status?: string; error?: string };
  keepalive?: Record<string, never>;
}

/** One Connect streaming frame: a flags byte, a big-endian length, the JSON message. */
export function connectFrame(message: unknown, flags = 0): Uint8Array {
  const payload = Buffer.from(JSON.stringify(message), "utf8");
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt8(flags, 0);
  frame.writeUInt32BE(payload.length, 1);
  payload.copy(frame, 5);
  return frame;
}

/** The messages of a Connect stream; the end-of-stream frame (flag 2) carries an error or trailers. */
export async function* connectMessages(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ end: boolean; json: unknown }> {
  let buffer = Buffer.alloc(0);
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5) {
      const length = buffer.readUInt32BE(1);
      if (buffer.length < 5 + length) break;
      const flags = buffer.readUInt8(0);
      const json = JSON.parse(buffer.subarray(5, 5 + length).toString("utf8")) as unknown;
      buffer = buffer.subarray(5 + length);
      yield { end: (flags & 2) === 2, json };
    }
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
