// Makes `npx reverie` work from a checkout: npm links the bins of dependencies into
// node_modules/.bin, but not the project's own, so `prepare` links it here.
import { chmodSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "bin", "reverie.js");
const binDir = join(root, "node_modules", ".bin");
const link = join(binDir, "reverie");

mkdirSync(binDir, { recursive: true });
try {
  lstatSync(link);
  unlinkSync(link);
} catch {
  // No previous link.
}
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);
console.log(`linked ${relative(root, link)} -> ${relative(root, target)}`);
