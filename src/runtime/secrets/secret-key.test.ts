import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSecretBox } from "./secret-box.js";
import {
  loadSecretKey,
  loadSecretKeys,
  NEXT_SECRET_KEY_FILE,
  parseSecretKey,
  SECRET_KEY_FILE,
  writeSecretKeyFile,
} from "./secret-key.js";

describe("secret keys", () => {
  let home: string;
  beforeEach(() => {
    home = join(mkdtempSync(join(tmpdir(), "reverie-key-")), "home");
  });
  afterEach(() => {
    rmSync(join(home, ".."), { recursive: true, force: true });
  });

  it("reads hex and base64 keys as their bytes, and longer text as a passphrase", () => {
    const bytes = randomBytes(32);
    const hex = parseSecretKey(bytes.toString("hex"));
    expect(hex.bytes.equals(bytes)).toBe(true);
    expect(parseSecretKey(bytes.toString("base64")).id).toBe(hex.id);
    expect(parseSecretKey(` ${bytes.toString("base64url")}\n`).id).toBe(hex.id);
    const passphrase = parseSecretKey("correct horse battery staple");
    expect(passphrase.bytes).toHaveLength(32);
    expect(parseSecretKey("correct horse battery staple").id).toBe(passphrase.id);
    expect(() => parseSecretKey("short")).toThrow(/REVERIE_SECRET_KEY is too short/);
  });

  it("REVERIE_SECRET_KEY wins and no key file is written", () => {
    const key = loadSecretKey({ env: { REVERIE_SECRET_KEY: "a passphrase long enough" }, home });
    expect(key.id).toBe(parseSecretKey("a passphrase long enough").id);
    expect(existsSync(join(home, SECRET_KEY_FILE))).toBe(false);
  });

  it("creates the key file with mode 0600 once, then reuses it", () => {
    const first = loadSecretKey({ env: {}, home });
    const path = join(home, SECRET_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o077).toBe(0);
    expect(loadSecretKey({ env: {}, home }).id).toBe(first.id);
    expect(Buffer.from(readFileSync(path, "utf8").trim(), "base64").equals(first.bytes)).toBe(true);
  });

  it("refuses a key file others can read", () => {
    loadSecretKey({ env: {}, home });
    chmodSync(join(home, SECRET_KEY_FILE), 0o644);
    expect(() => loadSecretKey({ env: {}, home })).toThrow(/readable by others.*chmod 600/);
  });

  it("refuses a key file that holds no key", () => {
    loadSecretKey({ env: {}, home });
    writeFileSync(join(home, SECRET_KEY_FILE), "short\n", { mode: 0o600 });
    expect(() => loadSecretKey({ env: {}, home })).toThrow(/too short/);
  });

  it("adds REVERIE_SECRET_KEY_PREVIOUS and an interrupted rotation's next key as keys that decrypt", () => {
    const previous = parseSecretKey("the previous passphrase");
    const sealedOld = createSecretBox(() => [previous]).seal("old");
    const next = parseSecretKey("the next passphrase!");
    writeSecretKeyFile(home, next, NEXT_SECRET_KEY_FILE);
    const sealedNext = createSecretBox(() => [next]).seal("next");
    const keys = loadSecretKeys({ env: { REVERIE_SECRET_KEY_PREVIOUS: "the previous passphrase" }, home });
    expect(keys.map((key) => key.id).slice(1)).toEqual([previous.id, next.id]);
    const box = createSecretBox(() => keys);
    expect(box.open(sealedOld)).toBe("old");
    expect(box.open(sealedNext)).toBe("next");
    expect(box.keyId).toBe(keys[0]?.id);
  });
});
