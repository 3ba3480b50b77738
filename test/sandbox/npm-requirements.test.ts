import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import {
  createSandbox,
  customToolsFromEnv,
  sandboxConfigFromEnv,
} from "../../src/runtime/tools/sandbox/select-sandbox.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type FakeNpmRegistry, startFakeNpmRegistry } from "../fake-npm-registry/index.js";
import { completions, type JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// A TypeScript tool with npm_requirements, end to end: the package is a tarball this test makes with
// `npm pack`, served by a fake registry on 127.0.0.1 (any other host goes to a dead proxy, so nothing
// reaches a real registry); the server installs it once per requirement set into its cache and the
// tool runs in the bubblewrap sandbox during an agent's turn.

const root = mkdtempSync(join(tmpdir(), "reverie-npm-requirements-"));
const home = join(root, "home");
const cacheDir = join(home, "cache", "tool-envs");

const SHOUT_TOOL = `import { shout, VERSION } from "reverie-shout";

/**
 * Shout the text.
 *
 * @param text - What to shout.
 */
export function shout_it(text: string): string {
  return shout(text) + " (reverie-shout " + VERSION + ")";
}
`;

/** Makes the package folder and packs it with npm (a local folder: npm contacts no registry). */
function packShout(): string {
  const source = join(root, "reverie-shout");
  const out = join(root, "tarballs");
  mkdirSync(source, { recursive: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(source, "package.json"),
    JSON.stringify({ name: "reverie-shout", version: "1.4.0", main: "index.js", license: "MIT" }),
  );
  writeFileSync(
    join(source, "index.js"),
    'exports.shout = (text) => text.toUpperCase() + "!!!";\nexports.VERSION = "1.4.0";\n',
  );
  const packed = execFileSync("npm", ["pack", "--pack-destination", out, "--silent"], {
    cwd: source,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, npm_config_offline: "true" },
    encoding: "utf8",
  }).trim();
  return join(out, packed.split("\n").at(-1) ?? "");
}

let registry: FakeNpmRegistry;
let fake: FakeLlmServer;
let customTools: ReturnType<typeof customToolsFromEnv>;

beforeAll(async () => {
  registry = await startFakeNpmRegistry([
    { name: "reverie-shout", version: "1.4.0", tarballPath: packShout() },
  ]);
  fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  // The server's own wiring: installer variables pass from its environment to npm.
  customTools = customToolsFromEnv(
    {
      PATH: process.env.PATH,
      npm_config_registry: registry.url,
      npm_config_cache: join(root, "npm-cache"),
      npm_config_https_proxy: "http://127.0.0.1:9",
      npm_config_proxy: "http://127.0.0.1:9",
      npm_config_noproxy: "127.0.0.1",
    },
    home,
    () => {},
  );
});

afterAll(async () => {
  await registry?.close();
  await fake?.close();
  rmSync(root, { recursive: true, force: true });
});

describeOnEachStore("a TypeScript tool with npm_requirements", (storeKind) => {
  let t: TestApp;
  beforeEach(async () => {
    fake.reset();
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: fake.url } },
      customTools,
    });
  });
  afterEach(async () => {
    await t.close();
  });

  it("installs the requirement once per set and runs the tool in the sandbox during a turn", async () => {
    expect(createSandbox(sandboxConfigFromEnv({}), { warn: () => {}, env: process.env }).kind).toBe(
      "bubblewrap",
    );
    const tool = await t.call("POST", "/v1/tools/", {
      source_code: SHOUT_TOOL,
      source_type: "typescript",
      npm_requirements: [{ name: "reverie-shout", version: "^1.4.0" }],
    });
    expect(tool.status, JSON.stringify(tool.body)).toBe(200);
    expect(tool.body).toMatchObject({
      name: "shout_it",
      npm_requirements: [{ name: "reverie-shout", version: "^1.4.0" }],
    });
    const agent = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      tool_ids: [tool.body.id],
    });
    expect(agent.status).toBe(200);

    const fetchesBefore = registry.requests.length;
    fake.script.push(
      { toolCalls: [{ name: "shout_it", arguments: { text: "hello" } }] },
      { text: "Shouted." },
    );
    const reply = await t.call("POST", `/v1/agents/${agent.body.id}/messages`, {
      messages: [{ role: "user", content: "Shout hello." }],
    });
    expect(reply.status).toBe(200);
    const toolReturn = (reply.body.messages as JsonBody[]).find(
      (message) => message.message_type === "tool_return_message",
    );
    expect(toolReturn, JSON.stringify(reply.body.messages)).toMatchObject({
      name: "shout_it",
      status: "success",
    });
    const next = completions(fake).at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    const seen = JSON.parse(next.messages.findLast((message) => message.role === "tool")?.content ?? "{}");
    expect(seen).toMatchObject({ status: "OK", message: "HELLO!!! (reverie-shout 1.4.0)" });

    // One cached environment for the set, holding the package from the tarball.
    const folders = readdirSync(cacheDir).filter((folder) => folder.startsWith("npm-"));
    expect(folders).toHaveLength(1);
    expect(readdirSync(cacheDir).some((folder) => folder.includes(".tmp-"))).toBe(false);
    const installed = join(cacheDir, folders[0] ?? "", "node_modules", "reverie-shout", "package.json");
    expect(JSON.parse(readFileSync(installed, "utf8")).version).toBe("1.4.0");
    // Installed from the fake registry by whichever store's test ran first; found in the cache after.
    expect(registry.requests.filter((path) => path === "/reverie-shout")).toHaveLength(1);
    expect(registry.requests.filter((path) => path.endsWith("/reverie-shout-1.4.0.tgz"))).toHaveLength(1);
    const fetched = registry.requests.slice(fetchesBefore);

    // A second call reuses the environment: nothing is fetched again.
    const again = await t.call("POST", `/v1/agents/${agent.body.id}/tools/shout_it/run`, {
      args: { text: "again" },
    });
    expect(again.body).toMatchObject({ status: "success", func_return: "AGAIN!!! (reverie-shout 1.4.0)" });
    expect(registry.requests.length).toBe(fetchesBefore + fetched.length);
  });

  it("a tool without the requirement cannot load it, and a package the registry lacks is a tool error", async () => {
    const bare = await t.call("POST", "/v1/tools/run", {
      source_code: SHOUT_TOOL,
      source_type: "typescript",
      args: { text: "x" },
    });
    expect(bare.body.status).toBe("error");
    expect(bare.body.tool_return).toMatch(
      /^Error executing function shout_it: Error: Cannot find module 'reverie-shout'/,
    );

    const missing = await t.call("POST", "/v1/tools/run", {
      source_code: SHOUT_TOOL,
      source_type: "typescript",
      npm_requirements: [{ name: "reverie-nowhere", version: "1.0.0" }],
      args: { text: "x" },
    });
    expect(missing.body.status).toBe("error");
    expect(missing.body.tool_return).toMatch(
      /^Error executing function shout_it: RequirementsError: Installing the tool's requirements \(reverie-nowhere@1\.0\.0\) failed: /,
    );
    expect(registry.requests).toContain("/reverie-nowhere");
    expect(readdirSync(cacheDir).some((folder) => folder.includes(".tmp-"))).toBe(false);
  });
});
