import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

/** GET /v1/health/ on 127.0.0.1:`port` with the given Host header; resolves with the status. */
function healthWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port, path: "/v1/health/", headers: { host } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}

// `reverie server` reads REVERIE_ALLOWED_HOSTS and REVERIE_CORS_ORIGINS once, at start-up.
describe("reverie server: protection settings from the environment", () => {
  let home: string;
  let server: ServerProcess | undefined;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "reverie-protection-cli-"));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("refuses to start on a malformed entry, naming it", async () => {
    await expect(
      startServerProcess({ REVERIE_HOME: home, REVERIE_ALLOWED_HOSTS: "ok.lan,http://bad.lan" }),
    ).rejects.toThrow(/server exited with 1:[\s\S]*REVERIE_ALLOWED_HOSTS: 'http:\/\/bad.lan' is not a host/);
    await expect(startServerProcess({ REVERIE_HOME: home, REVERIE_CORS_ORIGINS: "*" })).rejects.toThrow(
      /REVERIE_CORS_ORIGINS: '\*' is not an origin/,
    );
  });

  it("serves the hosts REVERIE_ALLOWED_HOSTS adds, on the port it listens on, and refuses others", async () => {
    server = await startServerProcess({
      REVERIE_HOME: home,
      REVERIE_ALLOWED_HOSTS: "reverie.lan,10.9.8.7:1",
    });
    const port = Number(new URL(server.url).port);
    expect(await healthWithHost(port, `127.0.0.1:${port}`)).toBe(200);
    expect(await healthWithHost(port, `reverie.lan:${port}`)).toBe(200);
    expect(await healthWithHost(port, "10.9.8.7:1")).toBe(200);
    expect(await healthWithHost(port, "10.9.8.7:2")).toBe(403);
    expect(await healthWithHost(port, `evil.test:${port}`)).toBe(403);
  });
});
