import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, lastUserText, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VENV_SCRIPT = join(ROOT, "scripts", "python-venv.sh");
const PYTHON = join(ROOT, "test", "python", ".venv", "bin", "python");
const SMOKE = join(ROOT, "test", "python", "smoke.py");

// Must match SEND_REPLY / STREAM_REPLY in smoke.py, in the order it calls the model.
const SEND_REPLY = "Hello from the Python smoke test.";
const STREAM_REPLY = "Streaming works from Python.";

/** Runs a command to completion, capturing its output (never throws on a non-zero exit). */
function run(command: string, args: string[], timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// The official Python client from PyPI (pinned in test/python/requirements.txt, installed into
// test/python/.venv by scripts/python-venv.sh) against a real `reverie server` process.
describe("reverie server with the official Python letta-client", () => {
  let home: string;
  let fake: FakeLlmServer;
  let server: ServerProcess;
  /** The same, but requiring an API key (REVERIE_API_KEY), which the client sends as `api_key`. */
  let keyed: ServerProcess;
  let keyedHome: string;
  const apiKey = "py-client-key-7d1e93b0c4a2";

  beforeAll(async () => {
    const venv = await run("bash", [VENV_SCRIPT], 170_000);
    if (venv.code !== 0) {
      throw new Error(`scripts/python-venv.sh exited with ${venv.code}:\n${venv.stdout}\n${venv.stderr}`);
    }
    home = mkdtempSync(join(tmpdir(), "reverie-python-"));
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    server = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fake.url,
    });
    keyedHome = mkdtempSync(join(tmpdir(), "reverie-python-keyed-"));
    keyed = await startServerProcess({
      REVERIE_HOME: keyedHome,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fake.url,
      REVERIE_API_KEY: apiKey,
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await keyed?.stop();
    await fake?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    if (keyedHome) rmSync(keyedHome, { recursive: true, force: true });
  });

  it("creates an agent, sends, streams, lists messages and deletes the agent", async () => {
    fake.script.push({ text: SEND_REPLY }, { text: STREAM_REPLY });

    const result = await run(PYTHON, [SMOKE, server.url], 60_000);
    if (result.code !== 0) {
      throw new Error(
        `smoke.py exited with ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}` +
          `\n--- server output ---\n${server.output()}`,
      );
    }
    expect(result.stdout).toContain("smoke: ok");

    // What the Python side did, seen from the model's side: two turns, each one completion.
    const completions = fake.requests.filter((request) => request.endpoint === "completion");
    expect(completions.map((request) => lastUserText(request))).toEqual(["Say hello.", "Now stream."]);
    expect(fake.script.pending).toBe(0);
  }, 90_000);

  it("works with api_key against a server that requires one, and is refused (401) without it or with a wrong one", async () => {
    fake.reset();
    fake.script.push({ text: SEND_REPLY }, { text: STREAM_REPLY });
    const result = await run(PYTHON, [SMOKE, keyed.url, apiKey], 60_000);
    if (result.code !== 0) {
      throw new Error(
        `smoke.py exited with ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}` +
          `\n--- server output ---\n${keyed.output()}`,
      );
    }
    expect(result.stdout).toContain("no key: 401");
    expect(result.stdout).toContain("wrong key: 401");
    expect(result.stdout).toContain("smoke: ok");
    // The refused requests reached no model; the keyed ones made the two turns.
    const completions = fake.requests.filter((request) => request.endpoint === "completion");
    expect(completions.map((request) => lastUserText(request))).toEqual(["Say hello.", "Now stream."]);
  }, 90_000);
});
