import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { secretsCommand } from "../../src/cli/secrets.js";
import { randomIds, systemClock } from "../../src/domain/index.js";
import { openReverie } from "../../src/reverie.js";
import {
  createSecretBox,
  loadSecretKey,
  parseSecretKey,
  randomSecretKey,
  rotateSecretKey,
  SECRET_KEY_FILE,
} from "../../src/runtime/secrets/index.js";
import { createServices, type ServiceDeps } from "../../src/runtime/services.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

describeOnEachStore("secret key rotation", (storeKind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ store: storeKind });
  });
  afterEach(async () => {
    await t.close();
  });

  it("re-encrypts every value with the new key in one transaction; a value no key opens changes nothing", async () => {
    const oldKey = randomSecretKey();
    const services = createServices({ ...depsOf(t), secretBox: createSecretBox(() => [oldKey]) });
    const one = await services.agents.create({ name: "one", secrets: { A: "alpha", B: "beta" } });
    const two = await services.agents.create({ name: "two", secrets: { C: "gamma" } });
    const before = [...(await envelopes(t, one.id)), ...(await envelopes(t, two.id))];

    const newKey = randomSecretKey();
    expect(await rotateSecretKey(t.store, { from: [oldKey], to: newKey })).toBe(3);
    const after = [...(await envelopes(t, one.id)), ...(await envelopes(t, two.id))];
    for (const envelope of after) expect(envelope.split(":")[1]).toBe(newKey.id);
    expect(after).not.toEqual(before);
    const onlyNew = createServices({ ...depsOf(t), secretBox: createSecretBox(() => [newKey]) });
    expect(await onlyNew.agentSecrets(one.id)).toEqual({ A: "alpha", B: "beta" });
    expect(await onlyNew.agentSecrets(two.id)).toEqual({ C: "gamma" });
    await expect(services.agentSecrets(one.id)).rejects.toThrow(/REVERIE_SECRET_KEY/);

    // A value of a key the rotation is not given: the whole rotation fails, and nothing was rewritten.
    const stranger = createServices({ ...depsOf(t), secretBox: createSecretBox(() => [randomSecretKey()]) });
    await stranger.agents.create({ name: "three", secrets: { D: "delta" } });
    const snapshot = await t.store.agentSecrets.list(one.id);
    await expect(rotateSecretKey(t.store, { from: [newKey], to: randomSecretKey() })).rejects.toThrow(
      /REVERIE_SECRET_KEY/,
    );
    expect(await t.store.agentSecrets.list(one.id)).toEqual(snapshot);
  });
});

/** Services over the test app's store with a box of our choosing (no turn runs: no provider needed). */
function depsOf(t: TestApp): Omit<ServiceDeps, "secretBox"> {
  return {
    store: t.store,
    models: t.registry,
    clock: systemClock,
    ids: randomIds,
    provider: t.services.loop as never,
  };
}

async function envelopes(t: TestApp, agentId: string): Promise<string[]> {
  return (await t.store.agentSecrets.list(agentId)).map((secret) => secret.value_enc);
}

describe("reverie secrets rotate", () => {
  let home: string;
  const saved = { ...process.env };
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "reverie-rotate-"));
    process.env.REVERIE_HOME = home;
    delete process.env.REVERIE_DATABASE_URL;
    delete process.env.REVERIE_SECRET_KEY;
    delete process.env.REVERIE_SECRET_KEY_PREVIOUS;
    process.env.OPENAI_API_KEY = "sk-test";
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(home, { recursive: true, force: true });
  });

  const rotate = secretsCommand.commands.find((command) => command.name === "rotate");
  async function run(flags: Record<string, string> = {}) {
    if (rotate?.kind !== "leaf") throw new Error("no rotate command");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const code = await rotate.run({ flags, args: [] });
      return { code, output: log.mock.calls.map((call) => call.join(" ")).join("\n") };
    } finally {
      log.mockRestore();
    }
  }

  async function withAgentSecret(value: string): Promise<string> {
    const reverie = await openReverie({ worker: false });
    try {
      return (
        await reverie.services.agents.create({
          name: "keeper",
          model: "openai/gpt-4o-mini",
          secrets: { TOKEN: value },
        })
      ).id;
    } finally {
      await reverie.close();
    }
  }

  async function readSecrets(agentId: string): Promise<Record<string, string>> {
    const reverie = await openReverie({ worker: false });
    try {
      return await reverie.services.agentSecrets(agentId);
    } finally {
      await reverie.close();
    }
  }

  it("with the key file: replaces secret.key, and the data stays readable after a restart", async () => {
    const agentId = await withAgentSecret("file-kept");
    const oldKey = loadSecretKey({ env: {}, home });
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/re-encrypted 1 secret value/);
    const newKey = loadSecretKey({ env: {}, home });
    expect(newKey.id).not.toBe(oldKey.id);
    expect(readFileSync(join(home, SECRET_KEY_FILE), "utf8")).not.toContain(oldKey.bytes.toString("base64"));
    expect(await readSecrets(agentId)).toEqual({ TOKEN: "file-kept" });
  });

  it("with REVERIE_SECRET_KEY: re-encrypts to --new-key, which then opens them", async () => {
    process.env.REVERIE_SECRET_KEY = "the old passphrase of this test";
    const agentId = await withAgentSecret("env-kept");
    const result = await run({ "new-key": "the new passphrase of this test" });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/set REVERIE_SECRET_KEY to the new key/);
    await expect(readSecrets(agentId)).rejects.toThrow(/REVERIE_SECRET_KEY/);
    process.env.REVERIE_SECRET_KEY = "the new passphrase of this test";
    expect(await readSecrets(agentId)).toEqual({ TOKEN: "env-kept" });
    expect(parseSecretKey("the new passphrase of this test").id).toBeTruthy();
    await expect(run({ "new-key": "the new passphrase of this test" })).rejects.toThrow(/is the current key/);
  });
});
