import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Issue 12, point 10: every request and response shape is defined once, in src/domain, and the runtime
// takes its z.output type. A route file that defines its own object schema recreates the twin that let
// fields added to a schema be dropped by a hand-written interface.
const ROUTE_DIRS = ["src/server/routes", "src/server/auth"];
const SCHEMA_DEFINITION =
  /\bz\s*\.\s*(object|strictObject|looseObject|discriminatedUnion|union|record|enum)\s*\(|\bpageQuerySchema\s*\(|\b(const|let)\s+\w+Schema\s*=/g;

function routeFiles(): string[] {
  return ROUTE_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .map((name) => join(dir, name)),
  );
}

describe("wire shapes", () => {
  it("are defined in src/domain, not in route files", () => {
    const files = routeFiles();
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, index) =>
          line.match(SCHEMA_DEFINITION) ? [`${file}:${index + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(offenders, "move these schemas into src/domain").toEqual([]);
  });
});
