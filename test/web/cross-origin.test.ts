import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";
import { launchBrowser, type TestBrowser } from "./browser.js";

const ATTACKER_JS = readFileSync(new URL("./cross-origin/attacker.js", import.meta.url), "utf8");
const AGENT_FILE = readFileSync(new URL("../fixtures/agent-files/memgpt_agent.af", import.meta.url), "utf8");
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Not Reverie</title>
<style>body{font:13px sans-serif;margin:16px}td{padding:2px 6px}</style></head>
<body><h1>A page that is not Reverie</h1><p id="origin"></p>
<script>document.getElementById("origin").textContent = location.origin;</script>
<script>window.agentFile = ${JSON.stringify(AGENT_FILE).replaceAll("<", "\\u003c")};</script>
<script>${ATTACKER_JS}</script></body></html>`;

const BROWSER_NETWORK_CHECKS = [
  "LocalNetworkAccessChecks",
  "PrivateNetworkAccessSendPreflights",
  "PrivateNetworkAccessRespectPreflightResults",
  "BlockInsecurePrivateNetworkRequests",
];

/** What the attacker page saw of one attempt. */
interface Attempt {
  name: string;
  type?: string;
  status?: number;
  text?: string;
  error?: string;
  form?: string;
}

/** Serves the attacker page on its own origin (any path, any Host). */
async function startAttackerServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A hostile page in real Chromium (Debian's, via playwright-core) against a real Reverie process: from
// another local origin, from another host name, and from a DNS-rebinding name that resolves to Reverie
// itself. Nothing may be created, changed or read. Screenshots go to artifacts/screenshots/.
describe("a web page against Reverie, in Chromium", () => {
  let openai: FakeLlmServer;
  let attacker: { port: number; close(): Promise<void> };
  let server: ServerProcess;
  let open: ServerProcess;
  let browser: TestBrowser;
  let page: Page;
  const homes: string[] = [];
  const victim = { agent: "", block: "", folder: "" };
  const CANARIES = ["victim-agent-canary", "block-value-canary-7731"];

  const api = async (base: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: fields asserted one by one.
    return (await response.json()) as any;
  };

  /** Everything a page could have changed, as the API reports it. */
  const state = async (base: string) => ({
    agents: (await api(base, "GET", "/v1/agents/?limit=1000")).map((agent: { id: string; name: string }) => [
      agent.id,
      agent.name,
    ]),
    blocks: (await api(base, "GET", "/v1/blocks/?limit=1000")).map((block: { id: string; value: string }) => [
      block.id,
      block.value,
    ]),
    folders: await api(base, "GET", "/v1/folders/"),
    files: await api(base, "GET", `/v1/folders/${victim.folder}/files`),
    runs: await api(base, "GET", "/v1/runs/"),
    messages: (await api(base, "GET", `/v1/agents/${victim.agent}/messages?limit=1000`)).length,
    llmCalls: openai.requests.length,
  });

  const startReverie = async (env: Record<string, string> = {}) => {
    const home = mkdtempSync(join(tmpdir(), "reverie-cross-origin-"));
    homes.push(home);
    return startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
      ...env,
    });
  };

  const seed = async (base: string) => {
    const block = await api(base, "POST", "/v1/blocks/", { label: "human", value: CANARIES[1] });
    const agent = await api(base, "POST", "/v1/agents/", {
      name: CANARIES[0],
      model: "openai/gpt-4o-mini",
      embedding: "openai/text-embedding-3-small",
      block_ids: [block.id],
    });
    const folder = await api(base, "POST", "/v1/folders/", {
      name: "victim-folder",
      embedding: "openai/text-embedding-3-small",
    });
    return { agent: agent.id as string, block: block.id as string, folder: folder.id as string };
  };

  /** Opens the attacker page at `pageUrl`, aimed at `target`, and returns what it saw. */
  const attack = async (pageUrl: string, target: string, ids = victim): Promise<Attempt[]> => {
    const query = new URLSearchParams({ target, ...ids });
    await page.goto(`${pageUrl}?${query}`);
    return (await page.evaluate("window.attackDone")) as Attempt[];
  };

  const expectNothingRead = (attempts: Attempt[]) => {
    for (const attempt of attempts) {
      const seen = JSON.stringify(attempt);
      for (const canary of [...CANARIES, victim.agent, victim.block]) {
        expect(seen, `${attempt.name} read ${canary}`).not.toContain(canary);
      }
    }
  };

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    attacker = await startAttackerServer();
    server = await startReverie();
    Object.assign(victim, await seed(server.url));
    browser = await launchBrowser({
      args: [
        "--host-resolver-rules=MAP evil.test 127.0.0.1",
        // Chromium's own Private/Local Network Access checks would stop a rebound page before Reverie
        // sees it; Firefox and Safari have none, so the server must hold without them.
        `--disable-features=${BROWSER_NETWORK_CHECKS.join(",")}`,
      ],
    });
    page = await browser.newPage();
  }, 60_000);

  afterEach(async (context) => {
    if (context.task.result?.state === "fail" && page) {
      await browser.screenshot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await open?.stop();
    await attacker?.close();
    await openai?.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it("a page on another 127.0.0.1 port creates, changes and reads nothing", async () => {
    const before = await state(server.url);
    const attempts = await attack(`http://127.0.0.1:${attacker.port}/`, server.url);
    await browser.screenshot(page, "cross-origin-other-port");
    expect(attempts.length).toBeGreaterThanOrEqual(20);
    expectNothingRead(attempts);
    for (const attempt of attempts.filter((entry) => entry.name.startsWith("cors "))) {
      // Refused preflight, or an answer without Access-Control-Allow-Origin: the page gets an error.
      expect(attempt.error, attempt.name).toMatch(/TypeError: Failed to fetch/);
    }
    for (const attempt of attempts.filter((entry) => entry.name.startsWith("no-cors "))) {
      expect(attempt, attempt.name).toMatchObject({ type: "opaque", status: 0, text: "" });
    }
    expect(await state(server.url)).toEqual(before);
  });

  it("a page on another host name (evil.test) creates, changes and reads nothing", async () => {
    const before = await state(server.url);
    const attempts = await attack(`http://evil.test:${attacker.port}/`, server.url);
    await browser.screenshot(page, "cross-origin-other-host");
    expect(attempts.length).toBeGreaterThanOrEqual(20);
    expectNothingRead(attempts);
    expect(attempts.filter((entry) => entry.name.startsWith("cors ") && !entry.error)).toEqual([]);
    expect(await state(server.url)).toEqual(before);
  });

  it("DNS rebinding: a page whose name now resolves to Reverie reads and writes nothing", async () => {
    const port = new URL(server.url).port;
    // The page came from the attacker's server at evil.test:<Reverie's port>; then evil.test was
    // re-pointed at 127.0.0.1 (the resolver rule), so the page's same-origin requests reach Reverie.
    await page.route(
      (url) => url.host === `evil.test:${port}` && url.pathname === "/",
      (route) => route.fulfill({ status: 200, contentType: "text/html", body: PAGE }),
    );
    const before = await state(server.url);
    const attempts = await attack(`http://evil.test:${port}/`, "");
    await browser.screenshot(page, "cross-origin-dns-rebinding");
    await page.unroute((url) => url.host === `evil.test:${port}`);
    expectNothingRead(attempts);
    // Same origin now, so the page reads every answer: each is the refusal.
    for (const attempt of attempts.filter((entry) => entry.form === undefined)) {
      expect(attempt.status, attempt.name).toBe(403);
      expect(JSON.parse(attempt.text ?? "{}"), attempt.name).toEqual({
        detail: "this host is not allowed; add it to REVERIE_ALLOWED_HOSTS",
      });
    }
    expect(await state(server.url)).toEqual(before);
  });

  it("control: an origin listed in REVERIE_CORS_ORIGINS gets through with JSON, and only with JSON", async () => {
    open = await startReverie({ REVERIE_CORS_ORIGINS: `http://127.0.0.1:${attacker.port}` });
    const ids = await seed(open.url);
    const attempts = await attack(`http://127.0.0.1:${attacker.port}/`, open.url, ids);
    await browser.screenshot(page, "cross-origin-listed-origin");
    const byName = new Map(attempts.map((attempt) => [attempt.name, attempt]));
    expect(byName.get("cors POST application/json")).toMatchObject({ type: "cors", status: 200 });
    expect(byName.get("cors GET agents")?.text).toContain("pwned-by-page");
    expect(byName.get("cors PATCH block")).toMatchObject({ status: 200 });
    // CORS opens the origin, not the content types: the text/plain, Blob, urlencoded and form posts failed.
    const agents = await api(open.url, "GET", "/v1/agents/?limit=1000");
    expect(
      agents
        .filter((agent: { name: string }) => agent.name.startsWith("pwned"))
        .map((a: { name: string }) => a.name),
    ).toEqual(["pwned-by-page"]);
    const blocks = await api(open.url, "GET", "/v1/blocks/?limit=1000");
    expect(blocks.filter((block: { label: string }) => block.label === "x")).toEqual([]);
  });
});
