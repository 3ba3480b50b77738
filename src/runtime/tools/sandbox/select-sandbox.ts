import { join } from "node:path";
import { type CustomToolRunner, createCustomToolRunner } from "../custom/custom-tool-runner.js";
import { BubblewrapSandbox } from "./bubblewrap-sandbox.js";
import { DEFAULT_DOCKER_IMAGES, DockerSandbox } from "./docker-sandbox.js";
import { E2bSandbox } from "./e2b-sandbox.js";
import { findExecutable } from "./executables.js";
import { findLocalRuntimes } from "./local-runtime.js";
import { ProcessSandbox } from "./process-sandbox.js";
import { type Sandbox, type SandboxRunResult, sandboxFailure } from "./sandbox.js";
import { createToolEnvironments } from "./tool-environments.js";

/** The sandbox backends an operator can choose with REVERIE_TOOL_SANDBOX. */
export type SandboxMode = "auto" | "bubblewrap" | "docker" | "e2b" | "process" | "off";

/** How tools are sandboxed, read once from the environment at start-up. */
export interface SandboxConfig {
  mode: SandboxMode;
  /** Tools reach the network (default on: most Letta tools call web APIs). */
  network: boolean;
  pythonPath?: string | undefined;
  nodePath?: string | undefined;
  docker?: { pythonImage: string; nodeImage: string; cliEnv: Record<string, string> } | undefined;
  e2b?: { apiKey: string; domain: string; template: string; apiUrl?: string | undefined } | undefined;
}

const MODES: readonly SandboxMode[] = ["auto", "bubblewrap", "docker", "e2b", "process", "off"];

/** Variables the docker CLI reads; only these of the server's environment reach it. */
const DOCKER_CLI_VARIABLES = [
  "PATH",
  "HOME",
  "DOCKER_HOST",
  "DOCKER_CONFIG",
  "DOCKER_CONTEXT",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
];

/**
 * The sandbox settings in `env`: REVERIE_TOOL_SANDBOX (auto|bubblewrap|docker|e2b|process|off),
 * REVERIE_TOOL_NETWORK (on|off), REVERIE_TOOL_PYTHON, REVERIE_TOOL_NODE, REVERIE_TOOL_DOCKER_IMAGE,
 * REVERIE_TOOL_DOCKER_NODE_IMAGE, E2B_API_KEY, E2B_DOMAIN, E2B_API_URL, REVERIE_TOOL_E2B_TEMPLATE.
 */
export function sandboxConfigFromEnv(env: Record<string, string | undefined>): SandboxConfig {
  const requested = (env.REVERIE_TOOL_SANDBOX ?? "auto").trim().toLowerCase();
  const mode = requested === "bwrap" ? "bubblewrap" : (MODES.find((known) => known === requested) ?? "auto");
  const network = !["off", "0", "false", "no"].includes(
    (env.REVERIE_TOOL_NETWORK ?? "on").trim().toLowerCase(),
  );
  const cliEnv: Record<string, string> = {};
  for (const name of DOCKER_CLI_VARIABLES) {
    const value = env[name];
    if (value) cliEnv[name] = value;
  }
  return {
    mode,
    network,
    pythonPath: env.REVERIE_TOOL_PYTHON || undefined,
    nodePath: env.REVERIE_TOOL_NODE || undefined,
    docker: {
      pythonImage: env.REVERIE_TOOL_DOCKER_IMAGE || DEFAULT_DOCKER_IMAGES.python,
      nodeImage: env.REVERIE_TOOL_DOCKER_NODE_IMAGE || DEFAULT_DOCKER_IMAGES.node,
      cliEnv,
    },
    e2b: env.E2B_API_KEY
      ? {
          apiKey: env.E2B_API_KEY,
          domain: env.E2B_DOMAIN || "e2b.app",
          template: env.REVERIE_TOOL_E2B_TEMPLATE || "base",
          apiUrl: env.E2B_API_URL || undefined,
        }
      : undefined,
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

/** Picks the backend: the one asked for, or in `auto` bubblewrap on Linux when present, then E2B with a key. */
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
    case "docker": {
      const docker = findExecutable("docker", env.PATH ?? "/usr/local/bin:/usr/bin:/bin");
      if (!docker || !config.docker)
        return new UnavailableSandbox(
          `REVERIE_TOOL_SANDBOX=docker but the docker CLI is not installed; ${HOW_TO_ENABLE}`,
        );
      return new DockerSandbox({ docker, network: config.network, ...config.docker });
    }
    case "e2b":
      if (!config.e2b)
        return new UnavailableSandbox(`REVERIE_TOOL_SANDBOX=e2b needs E2B_API_KEY; ${HOW_TO_ENABLE}`);
      return new E2bSandbox({ ...config.e2b, network: config.network });
    case "bubblewrap":
      if (bwrap) return new BubblewrapSandbox({ bwrap, runtimes: runtimes(), network: config.network });
      return new UnavailableSandbox(
        `REVERIE_TOOL_SANDBOX=bubblewrap but bwrap is not installed; ${HOW_TO_ENABLE}`,
      );
    default:
      // auto: bubblewrap when present, else E2B when a key is given.
      if (bwrap) return new BubblewrapSandbox({ bwrap, runtimes: runtimes(), network: config.network });
      if (config.e2b) return new E2bSandbox({ ...config.e2b, network: config.network });
      return new UnavailableSandbox(HOW_TO_ENABLE);
  }
}

/** Variables of the server's environment that pip and npm may read when installing requirements. */
const INSTALLER_VARIABLE = /^(PIP_|npm_config_|NPM_CONFIG_)|^(HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;

/**
 * Custom tools as the server runs them: the sandbox chosen by REVERIE_TOOL_SANDBOX, and requirements
 * installed under `<home>/cache/tool-envs` with the index and proxy settings of pip and npm
 * (PIP_INDEX_URL, PIP_FIND_LINKS, npm_config_registry, HTTPS_PROXY...).
 */
export function customToolsFromEnv(
  env: Record<string, string | undefined>,
  home: string,
  warn: (message: string) => void,
): CustomToolRunner {
  const config = sandboxConfigFromEnv(env);
  const sandbox = createSandbox(config, { warn, env });
  const installerEnv: Record<string, string> = { PATH: env.PATH || "/usr/local/bin:/usr/bin:/bin" };
  for (const [name, value] of Object.entries(env)) {
    if (value && INSTALLER_VARIABLE.test(name)) installerEnv[name] = value;
  }
  const runtimes = findLocalRuntimes({
    pythonPath: config.pythonPath,
    nodePath: config.nodePath,
    searchPath: env.PATH ?? "",
  });
  const environments = createToolEnvironments({
    cacheDir: join(home, "cache", "tool-envs"),
    python: runtimes.python?.path,
    npm: findExecutable("npm", env.PATH ?? "/usr/local/bin:/usr/bin:/bin"),
    installerEnv,
  });
  return createCustomToolRunner({ sandbox, environments });
}
