import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";
import { launchBrowser, type TestBrowser } from "./browser.js";

const FIXTURE = new URL("../fixtures/agent-files/memgpt_agent.af", import.meta.url);

/** Page code that builds a DataTransfer holding one file, as a drag from the desktop carries. */
function dropOf(name: string, content: string): string {
  return `(() => {
    const data = new DataTransfer();
    data.items.add(new File([${JSON.stringify(content)}], ${JSON.stringify(name)}, { type: "application/json" }));
    return data;
  })()`;
}

// The Memory Palace in real Chromium against a real server whose model is the scripted fake.
// Screenshots go to artifacts/screenshots/.
describe("the Memory Palace in Chromium", () => {
  let openai: FakeLlmServer;
  let server: ServerProcess;
  let browser: TestBrowser;
  let page: Page;
  let home: string;
  let agentId: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json() as Promise<Record<string, unknown> & Array<Record<string, unknown>>>;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-web-"));
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    server = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
    });
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 60_000);

  afterEach(async (context) => {
    // The screen at the moment a test failed, beside the others.
    if (context.task.result?.state === "fail" && page) {
      await browser.screenshot(page, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, "-")}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await openai?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("creates an agent, chats, and shows the block the agent edits change", async () => {
    await page.goto(server.url);
    await page.getByRole("button", { name: "New agent" }).click();
    await page.getByLabel("Name").fill("ada-friend");
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.waitForURL(/#\/agents\/agent-[\w-]+\/chat$/);
    agentId = /agents\/(agent-[\w-]+)\//.exec(page.url())?.[1] as string;

    openai.script.push(
      {
        toolCalls: [
          { name: "memory_insert", arguments: { label: "human", new_string: "Their name is Ada." } },
        ],
      },
      { text: "Nice to meet you, Ada!" },
    );
    const human = page.locator('.blocks-panel .block[data-label="human"]');
    await expect.poll(() => human.textContent()).toContain("Nothing is known");
    await page.getByLabel("Message").fill("Hi, I am Ada");
    await page.keyboard.press("Enter");

    await page.getByText("Nice to meet you, Ada!").waitFor();
    await expect.poll(() => human.textContent()).toContain("Their name is Ada.");
    expect(await human.getAttribute("class")).toContain("changed");
    expect(await page.locator(".msg.tool.memory-edit").textContent()).toContain("memory_insert");
    await browser.screenshot(page, "chat-memory-edit");
  });

  it("asks before a tool that needs approval, runs it once approved, and shows a failed run's reason", async () => {
    const gated = await api(
      "PATCH",
      `/v1/agents/${agentId}/tools/approval/memory_insert?requires_approval=true`,
      {},
    );
    expect(gated.id).toBe(agentId);
    openai.script.push(
      {
        toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Ada likes chess." } }],
      },
      { text: "Noted that you like chess." },
    );
    await page.getByLabel("Message").fill("Remember that I like chess");
    await page.keyboard.press("Enter");
    const card = page.getByRole("region", { name: "Approval for memory_insert" });
    await card.waitFor();
    expect(await card.textContent()).toContain("Ada likes chess.");
    await browser.screenshot(page, "chat-approval");
    await card.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Noted that you like chess.").waitFor();
    await expect.poll(() => card.count()).toBe(0);
    await expect
      .poll(() => page.locator('.blocks-panel .block[data-label="human"]').textContent())
      .toContain("chess");
    await api("PATCH", `/v1/agents/${agentId}/tools/approval/memory_insert?requires_approval=false`, {});

    openai.script.failNext({ fault: "server-error", status: 400, message: "the model refuses this request" });
    await page.getByLabel("Message").fill("And now?");
    await page.keyboard.press("Enter");
    const stop = page.locator(".msg.stop").last();
    await stop.waitFor();
    expect(await stop.textContent()).toContain("llm_api_error");
    expect(await stop.textContent()).toContain("the model refuses this request");
  });

  it("charts the context window and lists runs with their steps", async () => {
    await page.getByRole("link", { name: "Context window" }).click();
    const context = page.getByRole("region", { name: "Context window" });
    await context.getByText(/of [\d,]+ tokens/).waitFor();
    expect(await context.locator(".context-bar span").count()).toBeGreaterThanOrEqual(4);
    expect(await context.textContent()).toContain("Block human");
    await browser.screenshot(page, "context-window");

    await page.getByRole("link", { name: "Runs & steps" }).click();
    const runs = page.getByRole("region", { name: "Runs" });
    const failed = runs.locator(".run.failed").first();
    await failed.waitFor();
    expect(await failed.textContent()).toContain("the model refuses this request");
    await runs.locator(".run.completed").first().getByRole("button").click();
    await runs.locator(".step").first().waitFor();
    expect(await runs.locator(".step").first().textContent()).toMatch(
      /Step 1 · (openai\/)?gpt-4o-mini · [\d,]+ in/,
    );
    await browser.screenshot(page, "runs-steps");
    await page.getByRole("link", { name: "Chat" }).click();
  });

  it("shows who shares a block, and its history, and restores an older revision", async () => {
    const blocks = (await api("GET", `/v1/agents/${agentId}/core-memory/blocks`)) as unknown as Array<{
      id: string;
      label: string;
    }>;
    const human = blocks.find((entry) => entry.label === "human");
    await api("POST", "/v1/agents/", { name: "ada-sidekick", block_ids: [human?.id] });

    await page.getByRole("link", { name: "Memory Palace", exact: true }).click();
    const block = page.locator('.palace-blocks .block[data-label="human"]');
    await block.getByText("Shared with ada-sidekick").waitFor();
    await block.getByRole("button", { name: "History" }).click();
    const timeline = block.locator(".timeline li");
    await expect.poll(() => timeline.count()).toBeGreaterThanOrEqual(2);
    // Oldest last: the creation of the block.
    await timeline.last().getByRole("button").click();
    await block.getByRole("button", { name: "Restore this version" }).click();
    await expect.poll(() => block.locator(".block-value").textContent()).not.toContain("Ada");
    await expect.poll(() => timeline.first().textContent()).toContain("restore");
    await timeline.first().getByRole("button").click();
    expect(await block.locator(".diff .removed").first().textContent()).toContain("Their name is Ada.");
    await browser.screenshot(page, "palace-history-restore");

    await block.getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => block.locator(".block-value").textContent()).toContain("Their name is Ada.");
  });

  it("adds passages, searches archival memory with scores and ranks, and deletes one", async () => {
    const archival = page.getByRole("region", { name: "Archival memory" });
    for (const [text, tags] of [
      ["Ada's cat is called Turing and sleeps on the keyboard.", "pets"],
      ["Ada prefers green tea in the morning.", "food"],
      ["The office plant needs water on Mondays.", "chores"],
    ] as const) {
      await archival.getByLabel("Passage text").fill(text);
      await archival.getByLabel("Passage tags").fill(tags);
      await archival.getByRole("button", { name: "Add passage" }).click();
      await archival.locator(".passage", { hasText: text }).waitFor();
    }
    await archival.getByLabel("Search query").fill("what is the cat called");
    await archival.getByRole("button", { name: "Search" }).click();
    const results = archival.getByRole("region", { name: "Archival search results" });
    await results.waitFor();
    const first = results.locator(".hit").first();
    expect(await first.textContent()).toContain("Turing");
    expect(await first.textContent()).toMatch(/score \d\.\d{4} · vector rank \d+ · text rank (\d+|–)/);

    await archival.getByLabel("Search tags").fill("food");
    await archival.getByRole("button", { name: "Search" }).click();
    await expect
      .poll(() => results.locator(".hit").allTextContents())
      .toEqual([expect.stringContaining("green tea")]);
    await browser.screenshot(page, "palace-archival-search");

    const plant = archival.locator(".passage", { hasText: "office plant" });
    await plant.getByRole("button", { name: /Delete passage/ }).click();
    await expect.poll(() => plant.count()).toBe(0);
    const left = (await api("GET", `/v1/agents/${agentId}/archival-memory`)) as unknown as Array<{
      text: string;
    }>;
    expect(left.map((passage) => passage.text)).not.toContain("The office plant needs water on Mondays.");
  });

  it("imports an Agent File dropped on the agents page", async () => {
    await page.goto(`${server.url}/#/agents`);
    const zone = page.getByTestId("af-dropzone");
    const text = readFileSync(FIXTURE, "utf8");
    const transfer = await page.evaluateHandle(dropOf("memgpt_agent.af", text));
    await zone.dispatchEvent("dragover", { dataTransfer: transfer });
    await zone.dispatchEvent("drop", { dataTransfer: transfer });
    await page.getByText("Imported 1 agent from memgpt_agent.af.").waitFor();
    await page.getByRole("link", { name: "memgpt_agent" }).waitFor();
    await browser.screenshot(page, "agents-import");

    // A file that is not an Agent File: the server's detail is shown where it was dropped.
    const bad = await page.evaluateHandle(dropOf("broken.af", "{not json"));
    await zone.dispatchEvent("drop", { dataTransfer: bad });
    expect(await zone.getByRole("alert").textContent()).toMatch(/JSON/i);
  });

  it("shows the server's detail where the user acted, and a clear screen for a dead server or a refused key", async () => {
    await page.getByRole("button", { name: "New agent" }).click();
    await page.getByLabel("Name").fill("bad-model");
    // A model the server does not offer, as a stale form would send.
    await page.evaluate(`(() => {
      const select = document.querySelector(".create-agent select");
      select.add(new Option("nope/none", "nope/none", true, true));
      select.dispatchEvent(new Event("change", { bubbles: true }));
    })()`);
    await page.getByRole("button", { name: "Create agent" }).click();
    const alert = page.getByRole("form", { name: "New agent" }).getByRole("alert");
    await alert.waitFor();
    expect((await alert.textContent())?.length).toBeGreaterThan(5);

    const other = await browser.newPage();
    await other.route("**/v1/**", (route) => route.abort("connectionrefused"));
    await other.goto(server.url);
    await other.getByRole("heading", { name: "Cannot reach the Reverie server" }).waitFor();
    await browser.screenshot(other, "unreachable");
    await other.unroute("**/v1/**");
    await other.route("**/v1/**", (route) =>
      route.fulfill({ status: 401, contentType: "application/json", body: '{"detail":"Invalid API key"}' }),
    );
    await other.getByRole("button", { name: "Try again" }).click();
    await other.getByRole("heading", { name: "Log in to Reverie" }).waitFor();
    await other.getByLabel("API key").fill("sk-wrong");
    await other.getByRole("button", { name: "Log in" }).click();
    expect(await other.getByRole("alert").textContent()).toContain("Invalid API key");
    await browser.screenshot(other, "login");
    await other.close();
  });

  it("is an installable PWA: a valid manifest and a service worker, as Chromium reports it", async () => {
    await page.goto(`${server.url}/#/agents`);
    const scope = await page.evaluate(
      "navigator.serviceWorker.ready.then((r) => r.active && r.active.scriptURL)",
    );
    expect(scope).toBe(`${server.url}/sw.js`);
    const cdp = await browser.context.newCDPSession(page);
    const manifest = (await cdp.send("Page.getAppManifest")) as { errors: unknown[]; url: string };
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toBe(`${server.url}/manifest.webmanifest`);
    const installability = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: unknown[];
    };
    expect(installability.installabilityErrors).toEqual([]);
  });
});
