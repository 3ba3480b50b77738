import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Letta, { AuthenticationError } from "@letta-ai/letta-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { REVERIE_BIN, type ServerProcess, startServerProcess } from "../helpers/server-process.js";

/** Runs `reverie server` to its exit; resolves with its code and output. */
function runServerToExit(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REVERIE_BIN, "server", "--port", "0", ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_MODELS_HUB: "off", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not exit:\n${output}`));
    }, 20_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Runs `reverie keys ...` on the home of `env`; returns stdout. */
function keysCli(env: Record<string, string>, args: string[]): string {
  return execFileSync(process.execPath, [REVERIE_BIN, "keys", ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The server's URL on loopback (it prints the bound address, 0.0.0.0 here). */
const loopbackUrl = (server: ServerProcess) => server.url.replace("0.0.0.0", "127.0.0.1");

// `reverie server` as a user starts it: the bind policy, REVERIE_API_KEY, and the official client's apiKey.
describe("reverie server API keys and bind policy", () => {
  let home: string;
  let fakeOpenAI: FakeLlmServer;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    fakeOpenAI = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(home, { recursive: true, force: true });
  });
  afterAll(async () => {
    await fakeOpenAI?.close();
  });

  const baseEnv = () => {
    home = mkdtempSync(join(tmpdir(), "reverie-auth-e2e-"));
    return { REVERIE_HOME: home, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fakeOpenAI.url };
  };

  it("refuses to listen on 0.0.0.0 without a key, saying how to configure one", async () => {
    const { code, output } = await runServerToExit(baseEnv(), ["--host", "0.0.0.0"]);
    expect(code).toBe(1);
    expect(output).toContain("Refusing to listen on 0.0.0.0");
    expect(output).toContain("REVERIE_API_KEY");
    expect(output).toContain("reverie keys create");
    expect(output).toContain("--insecure-no-auth");
    expect(output).not.toContain("listening on");
  });

  it("serves 0.0.0.0 with REVERIE_API_KEY, and the official client works with apiKey", async () => {
    const apiKey = "container-secret-4f0c2a9e1b7d";
    server = await startServerProcess({ ...baseEnv(), REVERIE_API_KEY: apiKey }, ["--host", "0.0.0.0"]);
    const url = loopbackUrl(server);
    const client = new Letta({ baseURL: url, apiKey, maxRetries: 0 });
    const agent = await client.agents.create({ name: "keyed", model: "openai/gpt-4o-mini" });
    expect((await client.agents.list()).items.map((listed) => listed.id)).toContain(agent.id);
    expect((await client.health()).status).toBe("ok");

    const anonymous = new Letta({ baseURL: url, apiKey: null, maxRetries: 0 });
    await expect(anonymous.agents.list()).rejects.toBeInstanceOf(AuthenticationError);
    expect((await anonymous.health()).status).toBe("ok");
    const wrong = new Letta({ baseURL: url, apiKey: `${apiKey}-not`, maxRetries: 0 });
    await expect(wrong.agents.retrieve(agent.id)).rejects.toMatchObject({
      status: 401,
      error: { detail: expect.stringContaining("Authorization: Bearer <key>") },
    });
  });

  it("starts on 0.0.0.0 with --insecure-no-auth and warns loudly", async () => {
    server = await startServerProcess(baseEnv(), ["--host", "0.0.0.0", "--insecure-no-auth"]);
    expect(server.output()).toMatch(
      /WARNING: started with --insecure-no-auth[\s\S]*ANYONE who can reach 0\.0\.0\.0/,
    );
    const response = await fetch(`${loopbackUrl(server)}/v1/agents/`);
    expect(response.status).toBe(200);
  });

  it("`reverie keys` creates, lists and revokes keys beside a running server", async () => {
    const env = baseEnv();
    const key = keysCli(env, ["create", "--name", "laptop"]).trim();
    expect(key).toMatch(/^rv-[A-Za-z0-9_-]{43}$/);
    const admin = JSON.parse(
      keysCli(env, ["create", "--name", "ops", "--admin", "--expires", "30d", "--json"]),
    );
    expect(admin).toMatchObject({ name: "ops", is_admin: true, key: expect.stringMatching(/^rv-/) });

    const listing = keysCli(env, ["list"]);
    expect(listing).toContain("laptop");
    expect(listing).toContain(`${key.slice(0, 11)}…`);
    expect(listing).not.toContain(key.slice(11));
    expect(listing).not.toContain(admin.key.slice(11));

    // A stored key counts as configured: 0.0.0.0 is allowed without REVERIE_API_KEY.
    server = await startServerProcess(env, ["--host", "0.0.0.0"]);
    const client = new Letta({ baseURL: loopbackUrl(server), apiKey: key, maxRetries: 0 });
    expect((await client.agents.list()).items).toEqual([]);

    expect(keysCli(env, ["revoke", `${key.slice(0, 11)}…`])).toContain("Revoked");
    await expect(client.agents.list()).rejects.toBeInstanceOf(AuthenticationError);
    const listed = JSON.parse(keysCli(env, ["list", "--json"]));
    expect(listed.find((entry: { name: string }) => entry.name === "laptop").revoked_at).not.toBeNull();
    expect(listed.find((entry: { name: string }) => entry.name === "laptop").last_used_at).not.toBeNull();
  }, 120_000);

  it("`reverie keys` refuses bad input with a usage error", () => {
    const env = baseEnv();
    const refusals: Array<[string[], RegExp]> = [
      [["create", "--expires", "yesterday"], /--expires takes a duration/],
      [["create", "--expires", "2001-01-01"], /--expires must be in the future/],
      [["create", "--name", " "], /--name may not be empty/],
    ];
    for (const [args, message] of refusals) expect(() => keysCli(env, args), args.join(" ")).toThrow(message);
    expect(() => keysCli(env, ["revoke", "rv-nothing"])).toThrow(/no API key/);
    expect(() => keysCli(env, ["create", "--organization", "org-missing"])).toThrow(/no organization/);
    expect(keysCli(env, ["list"])).toContain("No API keys");
  }, 120_000);
});
