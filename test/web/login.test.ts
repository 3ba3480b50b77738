import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";
import { launchBrowser, type TestBrowser } from "./browser.js";

// The Memory Palace against a real `reverie server` that requires an API key (REVERIE_API_KEY): the app
// shell loads without one, the app asks for the key, refuses a wrong one with the server's detail, and
// works once given the right one.
describe("the Memory Palace with API keys", () => {
  const apiKey = "palace-secret-6f1d0c2b9a";
  let home: string;
  let openai: FakeLlmServer;
  let server: ServerProcess;
  let browser: TestBrowser;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-web-login-"));
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    server = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
      REVERIE_API_KEY: apiKey,
    });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await openai?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("asks for the key, refuses a wrong one, and works with the right one", async () => {
    const created = await fetch(`${server.url}/v1/agents/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ name: "keyed-palace-agent", model: "openai/gpt-4o-mini" }),
    });
    expect(created.status).toBe(200);

    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Log in to Reverie" }).waitFor();
    await page.getByLabel("API key").fill(`${apiKey}-wrong`);
    await page.getByRole("button", { name: "Log in" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Invalid API key");

    await page.getByLabel("API key").fill(apiKey);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("keyed-palace-agent").first().waitFor();
    await browser.screenshot(page, "logged-in-with-key");
    await page.close();
  }, 60_000);
});
