import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VENV_SCRIPT = join(ROOT, "scripts", "python-venv.sh");
const SCHEMATHESIS = join(ROOT, "test", "fuzz", ".venv", "bin", "schemathesis");
const CONFIG = join(ROOT, "test", "fuzz", "schemathesis.toml");

/** Seconds of fuzzing (all phases together); the whole test stays near two minutes. */
const FUZZ_SECONDS = Number(process.env.REVERIE_FUZZ_SECONDS ?? 90);

/** Runs a command to completion, capturing its output (never throws on a non-zero exit). */
function run(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// Schemathesis (PyPI, pinned in test/fuzz/requirements.txt, installed into test/fuzz/.venv by
// scripts/python-venv.sh) against /openapi.json of a real `reverie server` whose model provider is the
// fake OpenAI server. Every check runs; test/fuzz/schemathesis.toml lists, with reasons, the only
// operations where a request the document allows may still be refused.
describe("the API under schemathesis", () => {
  let home: string;
  let fake: FakeLlmServer;
  let server: ServerProcess;

  beforeAll(async () => {
    const venv = await run("bash", [VENV_SCRIPT, "test/fuzz"], 170_000);
    if (venv.code !== 0)
      throw new Error(`scripts/python-venv.sh test/fuzz exited with ${venv.code}:\n${venv.output}`);
    home = mkdtempSync(join(tmpdir(), "reverie-fuzz-"));
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    server = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fake.url,
    });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it(
    "finds no server error, no response outside the document and no unexplained mismatch",
    async () => {
      const result = await run(
        SCHEMATHESIS,
        [
          "--config-file",
          CONFIG,
          "run",
          `${server.url}/openapi.json`,
          "--checks",
          "all",
          "--max-time",
          String(FUZZ_SECONDS),
          "--workers",
          "2",
          "--seed",
          "20261207",
          "--no-color",
        ],
        (FUZZ_SECONDS + 120) * 1000,
        // Schemathesis keeps its example database and reports under the working directory otherwise.
        { ...process.env, HYPOTHESIS_STORAGE_DIRECTORY: join(home, ".hypothesis") },
      );
      const tested = /Tested:\s+(\d+)/.exec(result.output);
      // A crash inside schemathesis's own example generator ("Runtime Error", a traceback in its code)
      // is no finding about the API; every check failure (❌) and server error is.
      const findings = /❌|Server error|Response violates schema/.test(result.output);
      if (result.code !== 0 && !findings && /🚫 Runtime Error/.test(result.output)) {
        console.warn(
          `schemathesis crashed on some operations (not an API finding):\n${result.output.slice(-3000)}`,
        );
      } else if (result.code !== 0) {
        throw new Error(
          `schemathesis exited with ${result.code}\n${result.output}\n--- server output ---\n${server.output().slice(-5000)}`,
        );
      }
      expect(Number(tested?.[1])).toBeGreaterThan(100);
      expect(result.output).not.toMatch(/Server error|Response violates schema/);
    },
    (FUZZ_SECONDS + 150) * 1000,
  );
});
