import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REVERIE_BIN } from "../helpers/server-process.js";

const run = promisify(execFile);
const reference = (name: string) =>
  fileURLToPath(new URL(`../fixtures/agent-files/${name}`, import.meta.url));

/** Runs `reverie <args>` on a home of its own; never throws, so failures can be asserted. */
async function reverie(
  home: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [REVERIE_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_HOME: home, OPENAI_API_KEY: "sk-test" },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("reverie import / export", () => {
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "reverie-af-cli-"));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it("imports a Letta file, exports it by name, and re-imports the export", async () => {
    const imported = await reverie(home, ["import", reference("memgpt_agent.af")]);
    expect(imported.code).toBe(0);
    const agentId = imported.stdout.trim();
    expect(agentId).toMatch(/^agent-[0-9a-f-]{36}$/);

    const out = join(home, "out.af");
    const exported = await reverie(home, ["export", "memgpt_agent", "-o", out]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain("Exported 1 agent(s), 2 block(s), 3 tool(s)");
    const file = JSON.parse(readFileSync(out, "utf8"));
    expect(file.agents[0].name).toBe("memgpt_agent");

    const again = await reverie(home, ["import", out, "--name", "memgpt-copy"]);
    expect(again.code).toBe(0);
    const stdout = await reverie(home, ["export", "memgpt-copy"]);
    expect(JSON.parse(stdout.stdout).agents[0].name).toBe("memgpt-copy");
  });

  it("warns, naming --model, when an imported agent's model provider is not configured", async () => {
    // deep_research_agent runs on Anthropic; only OpenAI is configured here.
    const imported = await reverie(home, ["import", reference("deep_research_agent.af")]);
    expect(imported.code).toBe(0);
    expect(imported.stdout.trim()).toMatch(/^agent-/);
    expect(imported.stderr).toMatch(
      /^warning: agent 'deep-thought-research-agent' uses the model 'anthropic\/claude-sonnet-4-5-20250929', which this server cannot run \(Provider 'anthropic' is not configured/m,
    );
    expect(imported.stderr).toContain("import it again with --model <handle>");
    expect(imported.stderr).toContain("--model openai/gpt-4o-mini");

    const overridden = await reverie(home, [
      "import",
      reference("deep_research_agent.af"),
      "--model",
      "openai/gpt-4o-mini",
    ]);
    expect(overridden.code).toBe(0);
    expect(overridden.stderr).not.toContain("warning:");
  });

  it("shows a progress bar for a large file", async () => {
    const file = JSON.parse(JSON.parse(readFileSync(reference("memgpt_agent.af"), "utf8")));
    const agent = file.agents[0];
    for (let index = 1; index <= 400; index++) {
      agent.messages.push({
        id: `message-${index}`,
        role: index % 2 ? "user" : "assistant",
        content: [{ type: "text", text: `line ${index}` }],
        created_at: "2025-11-21T03:05:35Z",
      });
    }
    agent.in_context_message_ids = agent.messages.map((message: { id: string }) => message.id);
    const path = join(home, "big.af");
    writeFileSync(path, JSON.stringify(file));
    const imported = await reverie(home, ["import", path]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/Importing \[#+\] \d+\/\d+ 100%/);
  });

  it("fails cleanly on a bad file or an unknown agent, writing nothing", async () => {
    const path = join(home, "bad.af");
    writeFileSync(path, readFileSync(reference("deep_research_agent.af"), "utf8").slice(0, 5000));
    const bad = await reverie(home, ["import", path]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("not valid JSON");
    const missing = await reverie(home, ["export", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no agent with id or name 'nobody'");
  });
});
