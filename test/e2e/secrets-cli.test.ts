import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { REVERIE_BIN, type ServerProcess, startServerProcess } from "../helpers/server-process.js";

/** Every file under `dir`, read as bytes and decoded leniently (the SQLite database, WAL, key file). */
function everyFileText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString("latin1"))
    .join("\n");
}

// `reverie server` as a user runs it: a canary secret and a canary provider key never show up in an
// answer, the server's output, the export, or the data directory in clear; `reverie secrets rotate`
// keeps them usable.
describe("secrets at rest, end to end", () => {
  let home: string;
  let openai: FakeLlmServer;
  let server: ServerProcess | undefined;
  const canary = `CANARY-${randomBytes(12).toString("hex")}`;
  const providerKey = `sk-CANARY-${randomBytes(12).toString("hex")}`;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-secrets-e2e-"));
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "org-model"] });
  });
  afterAll(async () => {
    await server?.stop();
    await openai.close();
    rmSync(home, { recursive: true, force: true });
  });

  const env = () => ({
    REVERIE_HOME: home,
    OPENAI_API_KEY: "sk-server",
    OPENAI_BASE_URL: openai.url,
    // The organization's provider below points at the fake on 127.0.0.1.
    REVERIE_PROVIDER_ALLOW_PRIVATE: "127.0.0.1",
  });

  it("keeps the canary out of answers, output, export and the database; rotation keeps it usable", async () => {
    server = await startServerProcess(env());
    const seen: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server?.url}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      seen.push(`${method} ${path} ${response.status} ${text}`);
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };

    const agent = await call("POST", "/v1/agents/", {
      name: "keeper",
      model: "openai/gpt-4o-mini",
      secrets: { CANARY: canary },
    });
    expect(agent.status).toBe(200);
    const provider = await call("POST", "/v1/providers/", {
      name: "team",
      provider_type: "openai",
      api_key: providerKey,
      base_url: openai.url,
    });
    expect(provider.status).toBe(200);
    // Refused requests that carry the values are not logged with them either.
    expect(
      (await call("PATCH", `/v1/agents/${agent.body.id}`, { secrets: { "BAD NAME": canary } })).status,
    ).toBe(422);
    expect(
      (await call("POST", "/v1/providers/", { name: "x", provider_type: "bedrock", api_key: providerKey }))
        .status,
    ).toBe(422);
    openai.script.push({ text: "hello" });
    expect((await call("POST", `/v1/agents/${agent.body.id}/messages`, { input: "hi" })).status).toBe(200);
    await call("GET", `/v1/agents/${agent.body.id}`);
    await call("GET", "/v1/agents/");
    await call("GET", `/v1/agents/${agent.body.id}/export`);
    await call("GET", `/v1/agents/${agent.body.id}/context`);
    await call("GET", "/v1/runs/");
    await call("GET", "/v1/providers/");
    const models = await call("GET", "/v1/models/");
    expect(models.body.map((model: { handle: string }) => model.handle)).toContain("team/org-model");
    await server.stop();
    // The server's output, its JSON request log included (a line per request above: the check below
    // would pass vacuously on an empty log).
    const serverOutput = server.output();
    expect(serverOutput.match(/"msg":"request"/g)?.length ?? 0).toBeGreaterThanOrEqual(seen.length);
    server = undefined;

    const exported = execFileSync(process.execPath, [REVERIE_BIN, "export", "keeper"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
      encoding: "utf8",
    });
    expect(exported).toContain('"CANARY"');

    const keyFile = join(home, "secret.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const everything = [...seen, serverOutput, exported, everyFileText(home)].join("\n");
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(providerKey);
    // The fake provider saw the organization's key: it was stored and used, just never shown.
    expect(openai.requests.some((request) => request.headers.authorization === `Bearer ${providerKey}`)).toBe(
      true,
    );

    const before = readFileSync(keyFile, "utf8");
    const rotated = execFileSync(process.execPath, [REVERIE_BIN, "secrets", "rotate"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
      encoding: "utf8",
    });
    expect(rotated).toMatch(/re-encrypted 2 secret value\(s\)/);
    expect(readFileSync(keyFile, "utf8")).not.toBe(before);

    // After the rotation the provider key still opens: the organization's models are listed again.
    server = await startServerProcess(env());
    const after = await fetch(`${server.url}/v1/models/`);
    const handles = ((await after.json()) as Array<{ handle: string }>).map((model) => model.handle);
    expect(handles).toContain("team/org-model");
    await server.stop();
    expect(server.output()).not.toContain(canary);
    expect(server.output()).not.toContain(providerKey);
    server = undefined;
    expect(everyFileText(home)).not.toContain(canary);
  }, 180_000);
});
