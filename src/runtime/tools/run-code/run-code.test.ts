import { describe, expect, it } from "vitest";
import { findLocalRuntimes } from "../sandbox/local-runtime.js";
import { ProcessSandbox } from "../sandbox/process-sandbox.js";
import { UnavailableSandbox } from "../sandbox/select-sandbox.js";
import { createRunCode } from "./run-code.js";

const runtimes = findLocalRuntimes({ searchPath: process.env.PATH ?? "" });
const sandbox = new ProcessSandbox(runtimes, () => {});
const runCode = createRunCode(sandbox);
const caller = { agentId: "agent-00000000-0000-4000-8000-000000000001" };

interface Output {
  results: string[];
  logs: { stdout: string[]; stderr: string[] };
  error?: { name: string; value: string; traceback: string };
}
const parse = (result: { ok: boolean; value?: string; error?: string }) => {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  return JSON.parse(result.value ?? "{}") as Output;
};

describe("run_code", () => {
  it.skipIf(!runtimes.python)(
    "runs Python like a notebook cell: prints are logs, the last expression is the result",
    async () => {
      const output = parse(
        await runCode.run({ code: "import os\nprint('hello')\nx = 6\nx * 7", language: "python" }, caller),
      );
      expect(output).toEqual({ results: ["42"], logs: { stdout: ["hello\n"], stderr: [] } });
      const env = parse(
        await runCode.run({ code: "import os\nsorted(os.environ)", language: "python" }, caller),
      );
      // The code sees no server variables, only its agent's id.
      expect(env.results[0]).toContain("LETTA_AGENT_ID");
      expect(env.results[0]).not.toContain("OPENAI_API_KEY");
    },
  );

  it.skipIf(!runtimes.python)("reports a Python exception with its name, message and traceback", async () => {
    const output = parse(
      await runCode.run(
        { code: "print('before')\nraise ValueError('bad input')", language: "python" },
        caller,
      ),
    );
    expect(output.results).toEqual([]);
    expect(output.logs.stdout).toEqual(["before\n"]);
    expect(output.error).toMatchObject({ name: "ValueError", value: "bad input" });
    expect(output.error?.traceback).toContain("ValueError: bad input");
  });

  it.skipIf(!runtimes.node)("runs JavaScript and TypeScript", async () => {
    const js = parse(
      await runCode.run({ code: "console.log('hi'); [1, 2, 3].map((n) => n * 2)", language: "js" }, caller),
    );
    expect(js).toEqual({ results: ["[2,4,6]"], logs: { stdout: ["hi\n"], stderr: [] } });
    const ts = parse(
      await runCode.run(
        { code: "const add = (a: number, b: number): number => a + b;\nadd(2, 3)", language: "ts" },
        caller,
      ),
    );
    expect(ts.results).toEqual(["5"]);
    const thrown = parse(await runCode.run({ code: "throw new TypeError('nope')", language: "js" }, caller));
    expect(thrown.error).toMatchObject({ name: "TypeError", value: "nope" });
  });

  it("refuses other languages and empty code, and says how to enable a sandbox when none runs", async () => {
    expect(await runCode.run({ code: "print(1)", language: "r" }, caller)).toEqual({
      ok: false,
      error: "Error: run_code runs python, js and ts on this server, not 'r'",
    });
    expect(await runCode.run({ code: "  ", language: "python" }, caller)).toMatchObject({ ok: false });
    const none = createRunCode(new UnavailableSandbox("install bubblewrap"));
    expect(await none.run({ code: "1", language: "python" }, caller)).toEqual({
      ok: false,
      error: "Error: no sandbox available: install bubblewrap",
    });
  });
});
