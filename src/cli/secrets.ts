import { join } from "node:path";
import { ReverieError, reverieHome } from "../domain/index.js";
import {
  loadSecretKeys,
  NEXT_SECRET_KEY_FILE,
  parseSecretKey,
  promoteNextSecretKeyFile,
  randomSecretKey,
  rotateSecretKey,
  SECRET_KEY_FILE,
  writeSecretKeyFile,
} from "../runtime/secrets/index.js";
import { CliError, defineCommand, defineGroup } from "./command.js";
import { withLocalReverie } from "./local-reverie.js";

const rotate = defineCommand({
  name: "rotate",
  summary: "Re-encrypt every stored secret with a new key, in one transaction.",
  description: [
    "Works on the local database (REVERIE_HOME / REVERIE_DATABASE_URL); stop the server first, it keeps",
    "the old key in memory.",
    "With the key file (no REVERIE_SECRET_KEY): the new key is written to secret.key.next, the secrets are",
    "re-encrypted, then the file becomes secret.key. A crash in between loses nothing: the server reads",
    "both files.",
    "With REVERIE_SECRET_KEY: give the new key with --new-key (or one is generated and printed once), then",
    "set REVERIE_SECRET_KEY to it; REVERIE_SECRET_KEY_PREVIOUS=<old key> keeps the old one readable.",
  ].join("\n"),
  flags: {
    "new-key": {
      type: "string",
      placeholder: "key",
      description: "the new key: 64 hex characters, base64 of 32 bytes, or a passphrase (default: random)",
    },
  },
  async run({ flags }) {
    const env = process.env;
    const home = reverieHome(env);
    const fromEnv = (env.REVERIE_SECRET_KEY ?? "").trim() !== "";
    try {
      const current = loadSecretKeys({ env, home });
      const next =
        flags["new-key"] === undefined ? randomSecretKey() : parseSecretKey(flags["new-key"], "--new-key");
      if (next.id === current[0]?.id) throw new CliError("the new key is the current key: give another one");
      if (!fromEnv) writeSecretKeyFile(home, next, NEXT_SECRET_KEY_FILE);
      const count = await withLocalReverie((reverie) =>
        rotateSecretKey(reverie.store, { from: current, to: next }),
      );
      console.log(`re-encrypted ${count} secret value(s) with key ${next.id}`);
      if (!fromEnv) {
        promoteNextSecretKeyFile(home);
        console.log(`${join(home, SECRET_KEY_FILE)} now holds the new key; start the server again`);
      } else if (flags["new-key"] === undefined) {
        console.log(`set REVERIE_SECRET_KEY=${next.bytes.toString("base64")} before starting the server`);
      } else {
        console.log("set REVERIE_SECRET_KEY to the new key before starting the server");
      }
      return 0;
    } catch (error) {
      if (error instanceof ReverieError) throw new CliError(error.message);
      throw error;
    }
  },
});

/** `reverie secrets rotate`: key management for secrets at rest. */
export const secretsCommand = defineGroup({
  name: "secrets",
  summary: "Manage the key that encrypts secrets at rest (agent secrets, provider keys).",
  commands: [rotate],
});
