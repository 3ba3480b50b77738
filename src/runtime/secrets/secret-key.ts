import { randomBytes, scryptSync } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ReverieError } from "../../domain/index.js";
import { type SecretKey, secretKeyFrom } from "./secret-box.js";

/** The key file's name inside the data directory (`REVERIE_HOME`). */
export const SECRET_KEY_FILE = "secret.key";

/** A fixed salt: a passphrase must give the same key on every replica and every start. */
const PASSPHRASE_SALT = "reverie-secret-key-v1";
const MIN_PASSPHRASE_LENGTH = 16;

/**
 * Reads a key as `REVERIE_SECRET_KEY` (or `--new-key`) gives it: 64 hex characters or base64 (url-safe
 * or not) of exactly 32 bytes is the key itself; anything else of at least 16 characters is a passphrase,
 * stretched with scrypt (N=16384, r=8, p=1) over a fixed salt.
 */
export function parseSecretKey(text: string, source = "REVERIE_SECRET_KEY"): SecretKey {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return secretKeyFrom(Buffer.from(value, "hex"));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === 32) return secretKeyFrom(bytes);
  }
  if (value.length < MIN_PASSPHRASE_LENGTH) {
    throw new ReverieError(
      "invalid_argument",
      `${source} is too short: give 32 random bytes as 64 hex characters or base64 (openssl rand -base64 32), or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return secretKeyFrom(scryptSync(value, PASSPHRASE_SALT, 32));
}

/** Where the key comes from: the environment, else the data directory's key file. */
export interface SecretKeySource {
  env: Record<string, string | undefined>;
  /** The data directory (`REVERIE_HOME`), where `secret.key` lives when no variable gives the key. */
  home: string;
}

/** The key file a rotation writes before it commits, so a crash between the two loses no key. */
export const NEXT_SECRET_KEY_FILE = "secret.key.next";

/**
 * The server's secret key: `REVERIE_SECRET_KEY` when set, else `<home>/secret.key`, created (mode 0600,
 * in a 0700 directory if it has to make one) on first use. PostgreSQL deployments use the same rule
 * (`REVERIE_HOME` defaults to `~/.reverie`); replicas sharing one database must share the key, so they
 * should set REVERIE_SECRET_KEY.
 */
export function loadSecretKey(source: SecretKeySource): SecretKey {
  const fromEnv = source.env.REVERIE_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseSecretKey(fromEnv);
  const path = join(source.home, SECRET_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing !== undefined) return existing;
  mkdirSync(source.home, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const created = readKeyFile(path);
  if (created === undefined) throw new Error(`could not create the secret key file ${path}`);
  return created;
}

/**
 * The primary key ({@link loadSecretKey}) followed by keys that only decrypt: `REVERIE_SECRET_KEY_PREVIOUS`
 * (the old key while a rotated environment is rolled out) and a `secret.key.next` an interrupted
 * rotation left behind.
 */
export function loadSecretKeys(source: SecretKeySource): SecretKey[] {
  const keys = [loadSecretKey(source)];
  const previous = source.env.REVERIE_SECRET_KEY_PREVIOUS;
  if (previous !== undefined && previous.trim() !== "") {
    keys.push(parseSecretKey(previous, "REVERIE_SECRET_KEY_PREVIOUS"));
  }
  const next = readKeyFile(join(source.home, NEXT_SECRET_KEY_FILE));
  if (next !== undefined) keys.push(next);
  return keys;
}

function readKeyFile(path: string): SecretKey | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ReverieError(
      "unavailable",
      `the secret key file ${path} is readable by others (mode ${mode.toString(8)}): run chmod 600 ${path}`,
    );
  }
  return parseSecretKey(text, path);
}

/** Writes `key` as `<home>/<name>` (write beside, then rename), mode 0600; returns the path. */
export function writeSecretKeyFile(home: string, key: SecretKey, name = SECRET_KEY_FILE): string {
  const path = join(home, name);
  const temporary = `${path}.tmp`;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(temporary, `${key.bytes.toString("base64")}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}

/** Makes the rotation's `secret.key.next` the key file. */
export function promoteNextSecretKeyFile(home: string): void {
  renameSync(join(home, NEXT_SECRET_KEY_FILE), join(home, SECRET_KEY_FILE));
}
