import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const checkout = fileURLToPath(new URL("../..", import.meta.url));

// The README's first command: `npx reverie server` from the checkout, with nothing configured.
describe("npx reverie server", () => {
  let child: ChildProcess | undefined;
  let home: string | undefined;

  afterEach(() => {
    child?.kill("SIGTERM");
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("starts with no configuration and creates its database under REVERIE_HOME", async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-npx-"));
    const started = spawn("npx", ["--no-install", "reverie", "server", "--port", "0"], {
      cwd: checkout,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      started.stdout?.on("data", read);
      started.stderr?.on("data", read);
      started.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code}:\n${output}`));
      });
    });
    expect(existsSync(join(home, "reverie.db"))).toBe(true);
    const health = await fetch(`${url}/v1/health`);
    expect(await health.json()).toMatchObject({ status: "ok", version: "0.16.8" });
    // No provider is configured: the model list is empty rather than an error.
    const models = await fetch(`${url}/v1/models/`);
    expect(models.status).toBe(200);
    expect(await models.json()).toEqual([]);
  });
});
