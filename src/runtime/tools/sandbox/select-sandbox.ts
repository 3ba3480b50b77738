import { BubblewrapSandbox } from "./bubblewrap-sandbox.js";
import { findExecutable } from "./executables.js";
import { findLocalRuntimes } from "./local-runtime.js";
import { ProcessSandbox } from "./process-sandbox.js";
import { type Sandbox, type SandboxRunResult, sandboxFailure } from "./sandbox.js";

/** The sandbox backends an operator can choose with REVERIE_TOOL_SANDBOX. */
export type SandboxMode = "auto" | "bubblewrap" | "docker" | "e2b" | "process" | "off";

/** How tools are sandboxed, read once from the environment at start-up. */
export interface SandboxConfig {
  mode: SandboxMode;
  /** Tools reach the network (default on: most Letta tools call web APIs). */
  network: boolean;
  pythonPath?: string | undefined;
  nodePath?: string | undefined;
}

const MODES: readonly SandboxMode[] = ["auto", "bubblewrap", "docker", "e2b", "process", "off"];

/** The sandbox settings in `env` (REVERIE_TOOL_SANDBOX, REVERIE_TOOL_NETWORK, REVERIE_TOOL_PYTHON, REVERIE_TOOL_NODE). */
export function sandboxConfigFromEnv(env: Record<string, string | undefined>): SandboxConfig {
  const requested = (env.REVERIE_TOOL_SANDBOX ?? "auto").trim().toLowerCase();
  const mode = requested === "bwrap" ? "bubblewrap" : (MODES.find((known) => known === requested) ?? "auto");
  const network = !["off", "0", "false", "no"].includes(
    (env.REVERIE_TOOL_NETWORK ?? "on").trim().toLowerCase(),
  );
  return {
    mode,
    network,
    pythonPath: env.REVERIE_TOOL_PYTHON || undefined,
    nodePath: env.REVERIE_TOOL_NODE || undefined,
  };
}

const HOW_TO_ENABLE =
  "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or set REVERIE_TOOL_SANDBOX=docker (with a running Docker daemon), REVERIE_TOOL_SANDBOX=e2b (with E2B_API_KEY), or REVERIE_TOOL_SANDBOX=process (no file isolation)";

/** The backend when none can run: every run is a tool error that says how to enable one. */
export class UnavailableSandbox implements Sandbox {
  readonly kind = "unavailable";
  constructor(private readonly reason: string) {}
  async run(): Promise<SandboxRunResult> {
    return sandboxFailure("SandboxUnavailableError", `no sandbox available: ${this.reason}`);
  }
}

/** Picks the backend: the one asked for, or in `auto` bubblewrap on Linux when present. */
export function createSandbox(
  config: SandboxConfig,
  deps: { warn: (message: string) => void; env?: Record<string, string | undefined> },
): Sandbox {
  const env = deps.env ?? {};
  const runtimes = () =>
    findLocalRuntimes({
      pythonPath: config.pythonPath,
      nodePath: config.nodePath,
      searchPath: env.PATH ?? "",
    });
  const bwrap =
    process.platform === "linux" ? findExecutable("bwrap", env.PATH ?? "/usr/bin:/bin") : undefined;
  switch (config.mode) {
    case "off":
      return new UnavailableSandbox(
        `custom tools are turned off (REVERIE_TOOL_SANDBOX=off); to run them, ${HOW_TO_ENABLE}`,
      );
    case "process":
      return new ProcessSandbox(runtimes(), deps.warn);
    case "bubblewrap":
    case "auto":
      if (bwrap) return new BubblewrapSandbox({ bwrap, runtimes: runtimes(), network: config.network });
      return new UnavailableSandbox(HOW_TO_ENABLE);
    default:
      return new UnavailableSandbox(
        `the ${config.mode} backend is not available in this build; ${HOW_TO_ENABLE}`,
      );
  }
}
