import type { Store } from "../../store/store.js";
import { createSecretBox, type SecretKey } from "./secret-box.js";

/**
 * Re-encrypts every sealed value in the store with `to`, in one transaction: until it commits every
 * value stays readable with the old key, and a failure (a value no key in `from` opens) changes nothing.
 * Returns how many values were re-encrypted.
 */
export async function rotateSecretKey(
  store: Store,
  keys: { from: readonly SecretKey[]; to: SecretKey },
): Promise<number> {
  const box = createSecretBox(() => [keys.to, ...keys.from]);
  return store.transaction((tx) => tx.sealedValues.rewriteAll((sealed) => box.seal(box.open(sealed))));
}
