import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyCheckout } from "../helpers/fresh-clone.js";
import { commandLine, killGroup, processesInGroup, waitForEmptyGroup } from "../helpers/process-group.js";

// The README's first command, `npm ci && npm start`, run from a fresh copy of the checkout the way a
// new user runs it, then the ways a server started through npm gets stopped. Each must leave no process
// behind: `npm start` and `npx reverie` run the server under `sh -c` under npm, and a signal that
// reaches only npm used to orphan it. npm works offline, from the cache the checkout's own `npm ci` filled.

const MINUTES = 60_000;

interface Started {
  child: ChildProcess;
  /** The child's process group (it leads a group of its own, as a shell job does). */
  pgid: number;
  url: Promise<string>;
  output(): string;
  exited: Promise<void>;
}

describe("the README start", () => {
  let root: string;
  let clone: string;
  let home: string;
  const groups: number[] = [];

  const env = () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    REVERIE_HOME: home,
    REVERIE_PORT: "0",
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  });

  /** Runs `command` through `sh -c` in `cwd` as the leader of a new process group. */
  function start(command: string, cwd: string): Started {
    const child = spawn("sh", ["-c", command], { cwd, env: env(), detached: true, stdio: "pipe" });
    const pgid = child.pid as number;
    groups.push(pgid);
    let output = "";
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = new Promise<string>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      void exited.then(() => reject(new Error(`'${command}' exited before listening:\n${output}`)));
    });
    url.catch(() => {}); // observed by the test that awaits it
    return { child, pgid, url, output: () => output, exited };
  }

  async function expectHealthy(url: string): Promise<void> {
    const health = await fetch(`${url}/v1/health`);
    expect(await health.json()).toMatchObject({ status: "ok" });
  }

  /** The pid of the process in `pgid` whose command line matches (npm, the server...). */
  function findInGroup(pgid: number, pattern: RegExp): number {
    const members = processesInGroup(pgid).map((pid) => ({ pid, args: commandLine(pid) ?? "" }));
    const found = members.find((member) => pattern.test(member.args));
    if (found === undefined) {
      throw new Error(`no process matching ${pattern} in group ${pgid}: ${JSON.stringify(members)}`);
    }
    return found.pid;
  }

  async function expectGone(started: Started, url: string): Promise<void> {
    expect(await waitForEmptyGroup(started.pgid, 10_000)).toEqual([]);
    await expect(fetch(`${url}/v1/health`)).rejects.toThrow();
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "reverie-start-"));
    clone = join(root, "reverie");
    home = join(root, "home");
    copyCheckout(clone);
  });

  afterAll(() => {
    for (const pgid of groups) killGroup(pgid);
    rmSync(root, { recursive: true, force: true });
  });

  it(
    "`npm ci && npm start` from a fresh clone serves a healthy server; Ctrl-C stops all of it",
    async () => {
      expect(existsSync(join(clone, "node_modules"))).toBe(false);
      const started = start("npm ci && npm start", clone);
      const url = await started.url;
      await expectHealthy(url);
      expect(existsSync(join(home, "reverie.db"))).toBe(true);
      // No provider is configured: the model list is empty rather than an error.
      expect(await (await fetch(`${url}/v1/models/`)).json()).toEqual([]);

      process.kill(-started.pgid, "SIGINT"); // what Ctrl-C sends: every process of the foreground job
      await started.exited;
      await expectGone(started, url);
      expect(started.output()).toContain("Stopping (SIGINT)");
    },
    10 * MINUTES,
  );

  it("`npm start` stopped by SIGTERM to npm alone (a supervisor) takes the server with it", async () => {
    const started = start("exec npm start", clone);
    const url = await started.url;
    await expectHealthy(url);
    process.kill(findInGroup(started.pgid, /^npm start/), "SIGTERM");
    await expectGone(started, url);
  });

  it("`npm start` whose npm is killed outright still leaves no server behind", async () => {
    const started = start("exec npm start", clone);
    const url = await started.url;
    await expectHealthy(url);
    process.kill(findInGroup(started.pgid, /^npm start/), "SIGKILL");
    await expectGone(started, url);
    expect(processesInGroup(started.pgid)).toEqual([]);
  });

  it(
    "an installed package (npm pack, npm install) runs with `npx reverie`",
    async () => {
      const packed = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", root], {
        cwd: clone,
        env: env(),
        encoding: "utf8",
      });
      const [manifest] = JSON.parse(packed) as Array<{ filename: string; files: Array<{ path: string }> }>;
      const files = manifest?.files.map((file) => file.path) ?? [];
      expect(files).toEqual(
        expect.arrayContaining([
          "bin/reverie.js",
          "dist/cli/main.js",
          "LICENSE",
          "dist/web/index.html",
          "dist/web/manifest.webmanifest",
          "dist/web/sw.js",
          "dist/web/docs/swagger-ui-bundle.js",
        ]),
      );
      expect(files.some((file) => file.startsWith("src/") || file.startsWith("test/"))).toBe(false);

      // A project that depends on the package, installed from a lock file as `npm ci` does (the clone's
      // lock, so npm needs nothing beyond its cache). Without install scripts, so that better-sqlite3 is
      // not compiled a second time: its binary is the clone's, built by `npm ci` above.
      const project = join(root, "project");
      mkdirSync(project);
      const tarball = join(root, manifest?.filename as string);
      writeProjectUsing(project, tarball, JSON.parse(readFileSync(join(clone, "package-lock.json"), "utf8")));
      execFileSync("npm", ["ci", "--ignore-scripts"], { cwd: project, env: env(), stdio: "pipe" });
      const binary = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";
      mkdirSync(join(project, binary, ".."), { recursive: true });
      copyFileSync(join(clone, binary), join(project, binary));

      const started = start("exec npx --no-install reverie server", project);
      const url = await started.url;
      await expectHealthy(url);
      process.kill(findInGroup(started.pgid, /^npm exec/), "SIGTERM");
      await expectGone(started, url);
    },
    3 * MINUTES,
  );
});

interface LockFile {
  packages: Record<string, { dev?: boolean; link?: boolean; [field: string]: unknown }>;
}

/**
 * Writes the package.json and package-lock.json of a project whose one dependency is the packed
 * tarball, its dependency tree taken from the checkout's lock (every entry that is not dev-only).
 */
function writeProjectUsing(project: string, tarball: string, lock: LockFile): void {
  const root = lock.packages[""] as { version: string; dependencies: Record<string, string>; bin: unknown };
  const spec = `file:${tarball}`;
  const packages: LockFile["packages"] = {
    "": { name: "uses-reverie", dependencies: { reverie: spec } },
    "node_modules/reverie": {
      version: root.version,
      resolved: spec,
      dependencies: root.dependencies,
      bin: root.bin,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith("node_modules/") && !entry.dev && !entry.link) packages[path] = entry;
  }
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "uses-reverie", private: true, dependencies: { reverie: spec } }, null, 2)}\n`,
  );
  writeFileSync(
    join(project, "package-lock.json"),
    `${JSON.stringify({ name: "uses-reverie", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}
