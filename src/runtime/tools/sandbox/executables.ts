import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The absolute path of a program found on PATH, or undefined; children get no PATH of their own to search. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) return isExecutable(name) ? name : undefined;
  for (const directory of path.split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
