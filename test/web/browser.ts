import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium, installed by scripts/install-system-packages.sh. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where the browser tests save their screenshots (gitignored; kept as CI artifacts). */
export const ARTIFACTS = fileURLToPath(new URL("../../artifacts/screenshots/", import.meta.url));

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A real headless Chromium with a fresh profile of its own, removed on close. */
export interface TestBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(
  options: { width?: number; height?: number /** More command-line flags. */; args?: string[] } = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "reverie-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...(options.args ?? [])],
    viewport: { width: options.width ?? 1360, height: options.height ?? 900 },
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    newPage: () => context.newPage(),
    async screenshot(page, name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
