import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { ReverieError } from "../../domain/index.js";

/** The envelope's version tag: `rvs1:<key id>:<nonce>:<ciphertext + tag>`, the last two base64url. */
const VERSION = "rvs1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bound into every envelope's tag, so a ciphertext made for something else does not open as a secret. */
const ASSOCIATED_DATA = Buffer.from("reverie-secret-v1");

/** A 32-byte AES-256 key and the short id its envelopes are labelled with. */
export interface SecretKey {
  readonly id: string;
  readonly bytes: Buffer;
}

/** The id of a key: 8 hex characters of a hash, enough to say which key an envelope needs, not to guess it. */
export function secretKeyId(bytes: Buffer): string {
  return createHash("sha256").update("reverie-secret-key-id:").update(bytes).digest("hex").slice(0, 8);
}

/** Wraps 32 raw bytes as a key. */
export function secretKeyFrom(bytes: Buffer): SecretKey {
  if (bytes.length !== 32) throw new Error(`a secret key is 32 bytes, not ${bytes.length}`);
  return { id: secretKeyId(bytes), bytes: Buffer.from(bytes) };
}

/**
 * Encrypts and decrypts secret values (agent secrets, provider keys, MCP headers) with AES-256-GCM.
 * `seal` always uses the primary key; `open` accepts an envelope of any key the box was given, so a
 * rotation can read the old values while it writes new ones.
 */
export interface SecretBox {
  /** The id of the key new envelopes are sealed with. */
  readonly keyId: string;
  seal(plaintext: string): string;
  /** The clear value of an envelope; throws a ReverieError naming REVERIE_SECRET_KEY when no key opens it. */
  open(envelope: string): string;
  /** Whether `value` looks like an envelope of this format (any key). */
  isEnvelope(value: string): boolean;
}

/**
 * A box over `keys()`: the first key is primary, the rest only decrypt. The keys are asked for on first
 * use, so a server that never touches a secret never creates a key file.
 */
export function createSecretBox(keys: () => readonly SecretKey[]): SecretBox {
  let loaded: readonly SecretKey[] | undefined;
  const all = () => {
    loaded ??= keys();
    if (loaded.length === 0) throw new Error("a secret box needs at least one key");
    return loaded;
  };
  const primary = () => all()[0] as SecretKey;
  return {
    get keyId() {
      return primary().id;
    },
    seal(plaintext) {
      const key = primary();
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key.bytes, nonce);
      cipher.setAAD(ASSOCIATED_DATA);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}:${key.id}:${nonce.toString("base64url")}:${body.toString("base64url")}`;
    },
    open(envelope) {
      const parts = envelope.split(":");
      if (parts.length !== 4 || parts[0] !== VERSION) {
        throw new ReverieError("unavailable", "a stored secret is not a Reverie secret envelope (rvs1)");
      }
      const [, keyId, nonceText, bodyText] = parts as [string, string, string, string];
      const key = all().find((candidate) => candidate.id === keyId);
      if (key === undefined) {
        throw new ReverieError(
          "unavailable",
          `a stored secret was encrypted with key ${keyId}, but the server has key ${primary().id}: set REVERIE_SECRET_KEY (or the key file secret.key in the data directory) to the key the secrets were written with`,
        );
      }
      const nonce = Buffer.from(nonceText, "base64url");
      const body = Buffer.from(bodyText, "base64url");
      if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
        throw new ReverieError("unavailable", `a stored secret (key ${keyId}) is truncated`);
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", key.bytes, nonce);
        decipher.setAAD(ASSOCIATED_DATA);
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final(),
        ]).toString("utf8");
      } catch (cause) {
        throw new ReverieError(
          "unavailable",
          `a stored secret (key ${keyId}) failed its integrity check: it was changed, or REVERIE_SECRET_KEY is not the key it was written with`,
          { cause },
        );
      }
    },
    isEnvelope(value) {
      return value.startsWith(`${VERSION}:`) && value.split(":").length === 4;
    },
  };
}

/** Random key material for tests and new key files. */
export function randomSecretKey(): SecretKey {
  return secretKeyFrom(randomBytes(32));
}
