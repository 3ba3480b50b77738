import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/command.js";
import { applyHeapGrowth, DEFAULT_HEAP_GROWING_PERCENT } from "../../src/cli/heap-growth.js";
import { REVERIE_BIN } from "../helpers/server-process.js";

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), "reverie-heap-growth-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("REVERIE_HEAP_GROWING_PERCENT", () => {
  it("defaults to the documented percent, takes an integer, and 0 leaves V8's own sizing", () => {
    expect(applyHeapGrowth(undefined)).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(applyHeapGrowth("")).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(applyHeapGrowth(" 75 ")).toBe(75);
    expect(applyHeapGrowth("0")).toBeUndefined();
    applyHeapGrowth(undefined);
  });

  it.each(["abc", "-5", "1.5", "1e3", "1001", "50%", "0x20"])("refuses %j naming the variable", (value) => {
    expect(() => applyHeapGrowth(value)).toThrow(UsageError);
    expect(() => applyHeapGrowth(value)).toThrow(/REVERIE_HEAP_GROWING_PERCENT/);
  });

  it("stops `reverie server` before it starts when the value is wrong", async () => {
    const failure = await run(process.execPath, [REVERIE_BIN, "server", "--port", "0"], {
      env: { PATH: process.env.PATH, HOME: home, REVERIE_HOME: home, REVERIE_HEAP_GROWING_PERCENT: "lots" },
      timeout: 60_000,
    }).then(
      () => undefined,
      (error: { code?: number; stdout?: string; stderr?: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toMatch(/REVERIE_HEAP_GROWING_PERCENT must be an integer/);
    expect(failure?.stdout).not.toMatch(/listening on/);
  }, 90_000);
});
