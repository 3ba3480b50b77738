import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";
import { launchBrowser, type TestBrowser } from "./browser.js";

// The Settings page in real Chromium against a real `reverie server` that requires keys: add a provider
// (a refused base URL shows the server's detail by the form, a good one joins the list and its models
// are offered), check and delete it; with the admin key create a key (shown once, and it works) and
// revoke it (it stops working); logged in with a plain key the page says an admin key is needed.
describe("the Settings page", () => {
  const adminKey = "settings-admin-3e9b7c1d0f";
  const providerKey = "sk-team-provider-0123456789abcdef";
  let home: string;
  let openai: FakeLlmServer;
  let team: FakeLlmServer;
  let server: ServerProcess;
  let browser: TestBrowser;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-web-settings-"));
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    team = await startFakeOpenAI({ models: ["team-special-model"], apiKey: providerKey });
    server = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
      REVERIE_API_KEY: adminKey,
      // The team's endpoint is the fake on 127.0.0.1; other private addresses stay refused.
      REVERIE_PROVIDER_ALLOW_PRIVATE: "127.0.0.1",
    });
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await openai?.close();
    await team?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const api = (path: string, key: string) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  const logIn = async (key: string) => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/#/settings`);
    // Each login starts logged out (the profile keeps the last key in localStorage).
    await page.evaluate("localStorage.clear()");
    await page.reload();
    await page.getByLabel("API key", { exact: true }).fill(key);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    return page;
  };

  it("adds, checks and deletes a provider, showing the server's detail where the user acted", async () => {
    const page = await logIn(adminKey);
    const form = page.getByRole("form", { name: "Add a provider" });
    await form.getByLabel("Name").fill("team");
    await form.getByLabel("Type").selectOption("vllm");
    await form.getByLabel("Provider API key").fill(providerKey);
    await form.getByLabel("Base URL (optional)").fill("http://169.254.169.254/v1");
    await form.getByRole("button", { name: "Add provider" }).click();
    const refused = form.getByRole("alert");
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/cloud metadata address.*REVERIE_PROVIDER_ALLOW_PRIVATE/);

    await form.getByLabel("Base URL (optional)").fill(team.url);
    await form.getByRole("button", { name: "Add provider" }).click();
    const row = page.getByRole("listitem", { name: "Provider team" });
    await row.waitFor();
    expect(await row.textContent()).toContain("****cdef");
    expect(await row.textContent()).not.toContain(providerKey);
    await page.getByText("team/team-special-model").waitFor();
    await row.getByRole("button", { name: "Check" }).click();
    await row.getByText(/The key works: the provider lists 1 model/).waitFor();
    await browser.screenshot(page, "settings-provider-added");

    const stored = (await (await api("/v1/providers/", adminKey)).json()) as Array<{ name: string }>;
    expect(stored.map((provider) => provider.name)).toEqual(["team"]);
    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Delete team" }).click();
    await row.waitFor({ state: "detached" });
    expect(await (await api("/v1/providers/", adminKey)).json()).toEqual([]);
    await page.close();
  }, 90_000);

  it("creates a key (shown once, and it works) and revokes it (refused from then on)", async () => {
    const page = await logIn(adminKey);
    const form = page.getByRole("form", { name: "Create an API key" });
    // An empty name: the server's 422 detail appears by the form.
    await form.getByRole("button", { name: "Create key" }).click();
    await form.getByRole("alert").waitFor();
    expect(await form.getByRole("alert").textContent()).toMatch(/name/);

    await form.getByLabel("Key name").fill("ci-robot");
    await form.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByRole("status", { name: "New API key" });
    await shown.waitFor();
    const newKey = (await shown.locator("code").textContent()) ?? "";
    expect(newKey.length).toBeGreaterThan(20);
    expect((await api("/v1/agents/", newKey)).status).toBe(200);
    await browser.screenshot(page, "settings-key-created");

    const row = page.getByRole("listitem", { name: "Key ci-robot" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke ci-robot" }).click();
    await row.getByText(/revoked/).waitFor();
    expect((await api("/v1/agents/", newKey)).status).toBe(401);

    // A plain (non-admin) key logs in, and the page says that keys need an admin key.
    await shown.getByRole("button", { name: "Done" }).click();
    await form.getByLabel("Key name").fill("plain-user");
    await form.getByRole("button", { name: "Create key" }).click();
    await shown.waitFor();
    const plainKey = (await shown.locator("code").textContent()) ?? "";
    await page.close();
    const plain = await logIn(plainKey);
    const note = plain.getByRole("note");
    await note.waitFor();
    expect(await note.textContent()).toMatch(/needs an admin key/);
    expect(await plain.getByRole("form", { name: "Create an API key" }).count()).toBe(0);
    await browser.screenshot(plain, "settings-non-admin");
    await plain.close();
  }, 90_000);
});
