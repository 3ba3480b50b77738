import { describe, expect, it } from "vitest";
import { createSecretBox, randomSecretKey, secretKeyFrom } from "./secret-box.js";

describe("SecretBox", () => {
  it("round-trips values, with a fresh nonce each time", () => {
    const box = createSecretBox(() => [randomSecretKey()]);
    for (const value of ["", "sk-abc", "ünïcødé ✓", "x".repeat(100_000)]) {
      const sealed = box.seal(value);
      expect(box.isEnvelope(sealed)).toBe(true);
      expect(sealed.startsWith(`rvs1:${box.keyId}:`)).toBe(true);
      expect(box.open(sealed)).toBe(value);
    }
    const a = box.seal("same");
    const b = box.seal("same");
    expect(a).not.toBe(b);
    expect(a.split(":")[2]).not.toBe(b.split(":")[2]);
  });

  it("refuses a changed envelope instead of returning garbage", () => {
    const box = createSecretBox(() => [randomSecretKey()]);
    const [version, keyId, nonce, body] = box.seal("secret value").split(":") as [
      string,
      string,
      string,
      string,
    ];
    const bytes = Buffer.from(body, "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    const flipped = [version, keyId, nonce, bytes.toString("base64url")].join(":");
    expect(() => box.open(flipped)).toThrow(/integrity check.*REVERIE_SECRET_KEY/);
    expect(() => box.open(`${version}:${keyId}:${nonce}:AAAA`)).toThrow(/truncated/);
    expect(() => box.open("plain text")).toThrow(/not a Reverie secret envelope/);
  });

  it("names REVERIE_SECRET_KEY when the envelope is of another key, and opens it once given that key", () => {
    const oldKey = randomSecretKey();
    const sealed = createSecretBox(() => [oldKey]).seal("value");
    const other = createSecretBox(() => [randomSecretKey()]);
    expect(() => other.open(sealed)).toThrow(new RegExp(`key ${oldKey.id}.*REVERIE_SECRET_KEY`));
    const both = createSecretBox(() => [randomSecretKey(), oldKey]);
    expect(both.open(sealed)).toBe("value");
    expect(both.seal("x").split(":")[1]).not.toBe(oldKey.id);
  });

  it("a key with the same bytes is the same key; keys are 32 bytes", () => {
    const bytes = Buffer.alloc(32, 7);
    expect(secretKeyFrom(bytes).id).toBe(secretKeyFrom(Buffer.alloc(32, 7)).id);
    expect(() => secretKeyFrom(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
