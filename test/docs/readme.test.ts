import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

/** Upper-case names that are constants of libraries, not environment variables. */
const NOT_VARIABLES = /^(SQLITE|ERR|UND_ERR)_/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every environment variable the code reads: `env.NAME`, `env["NAME"]`, or a `"NAME_LIKE_THIS"` literal. */
function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/env\.([A-Z][A-Z0-9_]+)|["'`]([A-Z][A-Z0-9]*_[A-Z0-9_]+)["'`]/g)) {
      const name = (match[1] ?? match[2]) as string;
      if (!NOT_VARIABLES.test(name) && !found.has(name)) found.set(name, file.slice(root.length));
    }
  }
  return found;
}

describe("the README", () => {
  it("documents every environment variable the code reads", () => {
    const variables = variablesRead();
    expect(variables.size).toBeGreaterThan(15);
    const undocumented = [...variables].filter(([name]) => !readme.includes(`\`${name}\``));
    expect(undocumented.map(([name, file]) => `${name} (read in ${file})`)).toEqual([]);
  });

  it("starts with `npm ci && npm start`, and `npm start` runs the built server without npx", () => {
    const firstBlock = /```sh\n([^`]*)```/.exec(readme)?.[1]?.trim();
    expect(firstBlock).toBe("npm ci && npm start");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.scripts.start).toBe("node bin/reverie.js server");
  });
});
