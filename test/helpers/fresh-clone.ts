import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout these tests run from. */
export const CHECKOUT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Copies the checkout as a fresh clone would have it: every tracked file plus every untracked file
 * that is not ignored (so uncommitted work is tested too), and nothing built or installed.
 */
export function copyCheckout(destination: string): void {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: CHECKOUT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of listed.split("\0")) {
    if (file === "" || !existsSync(join(CHECKOUT, file))) continue; // deleted, not yet staged
    mkdirSync(dirname(join(destination, file)), { recursive: true });
    copyFileSync(join(CHECKOUT, file), join(destination, file));
  }
}
