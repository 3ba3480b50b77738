/**
 * Seals the secrets of MCP servers (tokens, headers, env) before they reach the store, and opens them
 * when a connection needs them. The secrets helper's SecretBox (AES-256-GCM, `src/runtime/secrets/`)
 * plugs in here; until a box is configured values are stored under the `plain:` envelope, which marks
 * them for encryption so a later pass can find and seal them.
 */
export interface SecretSealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

const PLAIN = "plain:";

/** The sealer used when no secret box is configured: marks values, does not encrypt them. */
export const unsealedSecrets: SecretSealer = {
  seal: (plain) => PLAIN + plain,
  open: (sealed) => {
    if (!sealed.startsWith(PLAIN)) {
      throw new Error(
        "an MCP server's secrets are encrypted, but no secret key is configured: set REVERIE_SECRET_KEY",
      );
    }
    return sealed.slice(PLAIN.length);
  },
};
