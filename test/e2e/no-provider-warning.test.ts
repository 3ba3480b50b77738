import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { startServerProcess } from "../helpers/server-process.js";

it("warns at start when no model provider is configured, and not when one is", async () => {
  const home = mkdtempSync(join(tmpdir(), "reverie-no-provider-"));
  try {
    const bare = await startServerProcess({ REVERIE_HOME: home });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await bare.stop()).toBe(0);
    expect(bare.output()).toMatch(/no model provider is configured.*OPENAI_API_KEY/);

    const configured = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await configured.stop()).toBe(0);
    expect(configured.output()).not.toMatch(/no model provider/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 60_000);
