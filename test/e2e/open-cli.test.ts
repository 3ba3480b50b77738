import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVERIE_BIN, type ServerProcess, startServerProcess } from "../helpers/server-process.js";

// `reverie open` with stand-in browsers on PATH that record how they were started.
describe("reverie open", () => {
  let root: string;
  let server: ServerProcess;
  const children: ChildProcess[] = [];

  /** A directory holding an executable `name` that writes its arguments to `<dir>/<name>.args`. */
  function fakeBrowser(name: string): string {
    const dir = join(root, `bin-${name}`);
    mkdirSync(dir, { recursive: true });
    const script = join(dir, name);
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/${name}.args"\n`);
    chmodSync(script, 0o755);
    return dir;
  }

  async function recorded(dir: string, name: string): Promise<string[]> {
    const file = join(dir, `${name}.args`);
    for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(50);
    return readFileSync(file, "utf8").trim().split("\n");
  }

  function open(args: string[], path: string) {
    const child = spawn(process.execPath, [REVERIE_BIN, "open", ...args], {
      env: { PATH: path, HOME: process.env.HOME, REVERIE_HOME: join(root, "home") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "reverie-open-"));
    server = await startServerProcess({ REVERIE_HOME: join(root, "server-home") });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("opens a running server's app in Chromium's app window and returns", async () => {
    const bin = fakeBrowser("chromium");
    const run = open(["--url", server.url], bin);
    expect(await run.exited).toBe(0);
    expect(await recorded(bin, "chromium")).toEqual([`--app=${server.url}/`]);
    expect(run.output()).toContain("app window");
  });

  it("falls back to the default browser when no Chromium is installed", async () => {
    const bin = fakeBrowser("xdg-open");
    const run = open(["--url", server.url], bin);
    expect(await run.exited).toBe(0);
    expect(await recorded(bin, "xdg-open")).toEqual([`${server.url}/`]);
  });

  it("starts a server when none answers, opens the app on it, and stops on SIGTERM", async () => {
    const bin = fakeBrowser("google-chrome");
    const run = open(["--port", "0"], bin);
    const [app] = (await recorded(bin, "google-chrome")).map((arg) => arg.replace("--app=", ""));
    expect(app).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(((await (await fetch(`${app}v1/health`)).json()) as { status: string }).status).toBe("ok");
    const page = await fetch(app as string);
    expect(page.headers.get("content-type")).toContain("text/html");
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("Stopping (SIGTERM)");
  });

  it("says so when --url answers nothing, and refuses a bad URL", async () => {
    const bin = fakeBrowser("chromium");
    const dead = open(["--url", "http://127.0.0.1:9"], bin);
    expect(await dead.exited).toBe(1);
    expect(dead.output()).toContain("no Reverie server answers at http://127.0.0.1:9");
    const bad = open(["--url", "file:///etc/passwd"], bin);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain("--url must be an http(s) URL");
  });
});
