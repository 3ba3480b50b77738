import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

const INSTALL_SCRIPT = fileURLToPath(new URL("../../scripts/install-letta-code.sh", import.meta.url));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process (the fake model answers from it meanwhile). */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string | undefined> },
) {
  return new Promise<Finished>((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface HeadlessResult {
  type: string;
  subtype: string;
  is_error: boolean;
  result: string;
  agent_id: string;
  conversation_id: string;
}

// letta-code, the CLI Letta's users run, unchanged against a real `reverie server`: headless, with its
// own default agent (tools web_search and fetch_webpage), answered by the fake model; a second run
// resumes the same agent. The server requires an API key (REVERIE_API_KEY), which letta-code sends from
// LETTA_API_KEY; a wrong key fails the run with the server's 401. scripts/install-letta-code.sh fetches
// it into .cache/letta-code.
describe("letta-code out of the box", () => {
  let lettaJs: string;
  let fakeOpenAI: FakeLlmServer;
  let server: ServerProcess;
  let data: string;
  let home: string;
  let project: string;
  const apiKey = "letta-code-key-5b8f0e2d9a61";

  beforeAll(async () => {
    const installed = await run("bash", [INSTALL_SCRIPT], { env: process.env });
    if (installed.code !== 0) {
      throw new Error(
        `scripts/install-letta-code.sh exited with ${installed.code}:\n${installed.stdout}\n${installed.stderr}`,
      );
    }
    lettaJs = installed.stdout.trim().split("\n").at(-1) ?? "";
    data = mkdtempSync(join(tmpdir(), "reverie-letta-code-data-"));
    home = mkdtempSync(join(tmpdir(), "reverie-letta-code-home-"));
    project = mkdtempSync(join(tmpdir(), "reverie-letta-code-project-"));
    fakeOpenAI = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    let turn = 0;
    fakeOpenAI.script.respondWith(() => ({ text: `Reply number ${++turn} from the fake model.` }));
    server = await startServerProcess({
      REVERIE_HOME: data,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fakeOpenAI.url,
      REVERIE_API_KEY: apiKey,
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await fakeOpenAI?.close();
    for (const dir of [data, home, project]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runLetta = (prompt: string, key: string) =>
    run(process.execPath, [lettaJs, "-p", prompt, "--output-format", "json"], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        LETTA_BASE_URL: server.url,
        LETTA_API_KEY: key,
        // Nothing leaves the machine: no update check, no telemetry.
        DISABLE_AUTOUPDATER: "1",
        DO_NOT_TRACK: "1",
        LETTA_CODE_TELEM: "0",
      },
    });

  const letta = async (prompt: string): Promise<HeadlessResult> => {
    const finished = await runLetta(prompt, apiKey);
    expect(finished.code, `letta exited with ${finished.code}:\n${finished.stdout}\n${finished.stderr}`).toBe(
      0,
    );
    return JSON.parse(finished.stdout) as HeadlessResult;
  };

  it("answers `letta -p` with its default agent, then resumes that agent on a second run", async () => {
    const first = await letta("hello");
    expect(first).toMatchObject({ type: "result", subtype: "success", is_error: false });
    expect(first.result).toBe("Reply number 1 from the fake model.");
    expect(first.agent_id).toMatch(/^agent-/);

    const agent = (await (
      await fetch(`${server.url}/v1/agents/${first.agent_id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      })
    ).json()) as {
      tags: string[];
      tools: Array<{ name: string; tool_type: string }>;
    };
    expect(agent.tags).toContain("origin:letta-code");
    expect(
      agent.tools.map((tool: { name: string; tool_type: string }) => [tool.name, tool.tool_type]).sort(),
    ).toEqual([
      ["fetch_webpage", "letta_builtin"],
      ["web_search", "letta_builtin"],
    ]);
    // The model was offered the server's web tools next to letta-code's own client tools.
    const completion = fakeOpenAI.requests.find((request) => request.endpoint === "completion");
    const body = completion?.body as { tools?: Array<{ function: { name: string } }> } | undefined;
    const offered = body?.tools?.map((tool) => tool.function.name);
    expect(offered).toEqual(expect.arrayContaining(["web_search", "fetch_webpage"]));

    const second = await letta("hello again");
    expect(second).toMatchObject({ type: "result", subtype: "success", is_error: false });
    expect(second.result).toBe("Reply number 2 from the fake model.");
    expect(second.agent_id).toBe(first.agent_id);
    const agents = (await (
      await fetch(`${server.url}/v1/agents/`, { headers: { authorization: `Bearer ${apiKey}` } })
    ).json()) as Array<{ id: string }>;
    expect(agents.map((item: { id: string }) => item.id)).toEqual([first.agent_id]);
  }, 240_000);

  it("fails cleanly with a wrong LETTA_API_KEY: a non-zero exit naming the refusal, no turn made", async () => {
    const before = fakeOpenAI.requests.length;
    const refused = await runLetta("hello with the wrong key", `${apiKey}-wrong`);
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}\n${refused.stderr}`).toMatch(/401|[Uu]nauthori[sz]ed|API key|Bearer/);
    expect(fakeOpenAI.requests.length).toBe(before);
  }, 120_000);
});
