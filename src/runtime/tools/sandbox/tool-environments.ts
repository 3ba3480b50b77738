import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NpmRequirement, PipRequirement, Result } from "../../../domain/index.js";
import { runBoundedProcess } from "./bounded-process.js";
import type { SandboxToolEnvironment } from "./sandbox.js";

/** How requirement environments are built and where they are kept. */
export interface ToolEnvironmentsOptions {
  /** `<data dir>/cache/tool-envs`: one folder per requirement set, mounted read-only into sandboxes. */
  cacheDir: string;
  /** The Python the sandbox runs (virtualenvs are made with it, so they work inside). */
  python?: string | undefined;
  /** The npm CLI. */
  npm?: string | undefined;
  /** Variables pip and npm read (PIP_INDEX_URL, PIP_FIND_LINKS, npm_config_registry, proxies...) plus PATH. */
  installerEnv: Record<string, string>;
  /** Time one install may take (default 10 minutes). */
  timeoutMs?: number | undefined;
}

/** Installs a tool's pip or npm requirements once per distinct set and hands out the result. */
export interface ToolEnvironments {
  prepare(
    requirements:
      | { kind: "python"; packages: readonly PipRequirement[] }
      | { kind: "node"; packages: readonly NpmRequirement[] },
  ): Promise<Result<SandboxToolEnvironment | undefined>>;
}

const NAME = /^[A-Za-z0-9@][A-Za-z0-9._/-]*(\[[A-Za-z0-9,._-]+\])?$/;
const PIP_VERSION =
  /^(===|==|~=|!=|>=|<=|<|>)?\s*[A-Za-z0-9.*+!_-]+(\s*,\s*(===|==|~=|!=|>=|<=|<|>)\s*[A-Za-z0-9.*+!_-]+)*$/;
const NPM_VERSION = /^[A-Za-z0-9.*+~^<>=|_ -]+$/;
const READY = ".reverie-ready";

/** `name==1.0`, `name>=1,<2`, or `name`: Letta's rendering of a pip requirement; undefined when unsafe. */
export function pipSpec(requirement: PipRequirement): string | undefined {
  const name = requirement.name.trim();
  // A name never holds a path or a URL: installs come from the configured index only.
  if (!NAME.test(name) || name.includes("/") || name.startsWith("@")) return undefined;
  const version = requirement.version?.trim();
  if (!version) return name;
  if (!PIP_VERSION.test(version)) return undefined;
  return /^[=~!<>]/.test(version) ? `${name}${version}` : `${name}==${version}`;
}

/** `name@range` (scoped names allowed); undefined for paths, URLs, git or file specs. */
export function npmSpec(requirement: NpmRequirement): string | undefined {
  const name = requirement.name.trim();
  if (!NAME.test(name) || name.includes("..") || (name.includes("/") && !/^@[^/]+\/[^/]+$/.test(name)))
    return undefined;
  const version = requirement.version?.trim();
  if (!version) return name;
  return NPM_VERSION.test(version) ? `${name}@${version}` : undefined;
}

/**
 * Builds environments under `cacheDir/<py|npm>-<hash of the sorted specs>`: into a temporary folder
 * first, renamed into place when complete, so a crash or a concurrent build never leaves a half-built
 * environment in use. Builds of the same set in this process share one promise.
 */
export function createToolEnvironments(options: ToolEnvironmentsOptions): ToolEnvironments {
  const building = new Map<string, Promise<Result<SandboxToolEnvironment | undefined>>>();
  const timeoutMs = options.timeoutMs ?? 600_000;

  async function build(
    kind: "python" | "node",
    specs: string[],
    folder: string,
  ): Promise<Result<SandboxToolEnvironment | undefined>> {
    const environment: SandboxToolEnvironment = {
      path: folder,
      kind: kind === "python" ? "python-venv" : "node-modules",
    };
    if (existsSync(join(folder, READY))) return { ok: true, value: environment };
    mkdirSync(options.cacheDir, { recursive: true, mode: 0o755 });
    const staging = `${folder}.tmp-${randomBytes(6).toString("hex")}`;
    const env = { ...options.installerEnv, HOME: staging };
    const steps: string[][] = [];
    if (kind === "python") {
      if (!options.python) return { ok: false, error: "python3 is not installed on the server" };
      // A virtualenv without its own pip (seconds faster); the server Python's pip installs into it.
      steps.push([options.python, "-m", "venv", "--without-pip", staging]);
      steps.push([
        options.python,
        "-m",
        "pip",
        "--python",
        join(staging, "bin", "python"),
        "install",
        "--no-input",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--no-cache-dir",
        ...specs,
      ]);
    } else {
      if (!options.npm) return { ok: false, error: "npm is not installed on the server" };
      mkdirSync(staging, { recursive: true, mode: 0o755 });
      writeFileSync(join(staging, "package.json"), '{"private":true}\n');
      steps.push([
        options.npm,
        "install",
        "--prefix",
        staging,
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--no-package-lock",
        "--",
        ...specs,
      ]);
    }
    for (const argv of steps) {
      const result = await runBoundedProcess({
        argv,
        env,
        cwd: options.cacheDir,
        timeoutMs,
        outputLimitBytes: 8 * 1024 * 1024,
      });
      if (result.exitCode !== 0) {
        rmSync(staging, { recursive: true, force: true });
        const reason = result.timedOut
          ? "it took too long"
          : (result.spawnError ?? lastLines(`${result.stderr}\n${result.stdout}`));
        return {
          ok: false,
          error: `Installing the tool's requirements (${specs.join(", ")}) failed: ${reason}`,
        };
      }
    }
    writeFileSync(join(staging, READY), `${specs.join("\n")}\n`);
    try {
      renameSync(staging, folder);
    } catch {
      // Another process finished the same set first: use theirs.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(folder, READY)))
        return { ok: false, error: "the tool's environment could not be put in place" };
    }
    return { ok: true, value: environment };
  }

  return {
    async prepare(requirements) {
      if (requirements.packages.length === 0) return { ok: true, value: undefined };
      const render = requirements.kind === "python" ? pipSpec : npmSpec;
      const specs: string[] = [];
      for (const requirement of requirements.packages) {
        const spec = render(requirement as PipRequirement & NpmRequirement);
        if (!spec)
          return {
            ok: false,
            error: `The requirement ${JSON.stringify(requirement)} is not a package name and version this server installs`,
          };
        specs.push(spec);
      }
      const sorted = [...new Set(specs)].sort();
      const hash = createHash("sha256")
        .update(JSON.stringify([requirements.kind, options.python ?? "", sorted]))
        .digest("hex")
        .slice(0, 24);
      const folder = join(options.cacheDir, `${requirements.kind === "python" ? "py" : "npm"}-${hash}`);
      let pending = building.get(folder);
      if (!pending) {
        pending = build(requirements.kind, sorted, folder).finally(() => building.delete(folder));
        building.set(folder, pending);
      }
      return pending;
    },
  };
}

function lastLines(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-3).join(" | ").slice(0, 600) || "no output";
}
