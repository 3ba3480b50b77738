import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { REVERIE_BIN } from "../helpers/server-process.js";

// A smoke test of `reverie bench locomo` against the fake model: a two-session conversation of our own in
// LoCoMo's format (test/fixtures/locomo-mini.json, not LoCoMo data), a real Reverie agent per question
// that searches its recall memory, and the judge's verdicts scripted.
const DATA = join(import.meta.dirname, "..", "fixtures", "locomo-mini.json");

function reverie(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [REVERIE_BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("reverie bench locomo", () => {
  let openai: FakeLlmServer;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    home = mkdtempSync(join(tmpdir(), "reverie-bench-cli-"));
    env = {
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
      REVERIE_MODELS_HUB: "off",
    };
  });
  afterAll(async () => {
    await openai?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("answers each question with a fresh agent's memory tools and prints J per category", async () => {
    openai.script.push(
      // Question 1 (category 4): the agent searches its recall memory, then answers; the judge agrees.
      { toolCalls: [{ name: "conversation_search", arguments: { query: "Ada cat name" } }] },
      { text: "Pebble" },
      { text: '{"reasoning": "Same name.", "label": "CORRECT"}' },
      // Question 2 (category 1): a wrong answer, judged WRONG.
      { text: "Porto" },
      { text: '{"reasoning": "Another city.", "label": "WRONG"}' },
    );
    const out = join(home, "outcomes.json");
    const result = await reverie(
      ["bench", "locomo", "--data", DATA, "--model", "openai/gpt-4o-mini", "--json", out],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/1 conversations, 2 questions; model openai\/gpt-4o-mini/);
    expect(result.stdout).toMatch(/\| 1 \| 1 \| 0\.0 \| \d+ \|/);
    expect(result.stdout).toMatch(/\| 4 \| 1 \| 100\.0 \| \d+ \|/);
    expect(result.stdout).toMatch(/\| all \| 2 \| 50\.0 \| \d+ \|/);

    const { outcomes } = JSON.parse(readFileSync(out, "utf8")) as {
      outcomes: Array<{ generated: string; correct: boolean; steps: number; tokens: number }>;
    };
    expect(outcomes.map((outcome) => [outcome.generated, outcome.correct])).toEqual([
      ["Pebble", true],
      ["Porto", false],
    ]);
    expect(outcomes[0]?.steps).toBe(2);
    expect(outcomes[0]?.tokens).toBeGreaterThan(0);

    // The agent's search found the turn in its recall memory, with the turn after it.
    const searchResult = openai.requests
      .flatMap(
        (request) =>
          (request.body as { messages?: Array<{ role: string; content?: unknown }> } | undefined)?.messages ??
          [],
      )
      .find((message) => message.role === "tool");
    expect(String(searchResult?.content)).toContain("Her name is Pebble.");
    // The judge saw the gold answer and the generated one.
    const judgeCall = openai.requests.filter((request) => request.endpoint === "completion")[2];
    expect(JSON.stringify(judgeCall?.body)).toContain("Gold answer: Pebble");
  });

  it("refuses bad arguments with a readable message", async () => {
    expect((await reverie(["bench", "locomo"], env)).code).toBe(2);
    expect((await reverie(["bench", "other"], env)).code).toBe(2);
    const help = await reverie(["bench", "locomo", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--judge <handle>/);
    const missing = await reverie(
      ["bench", "locomo", "--model", "openai/gpt-4o-mini", "--data", "/nonexistent.json"],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\.json/);
    const badModel = await reverie(["bench", "locomo", "--model", "nope/x", "--data", DATA], env);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/Unknown provider 'nope'/);
    const badCount = await reverie(
      ["bench", "locomo", "--model", "openai/gpt-4o-mini", "--data", DATA, "--questions", "0"],
      env,
    );
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toMatch(/--questions must be a positive integer/);
    // Six CLI processes one after another: 76 s on the loaded machine, past the 30 s default.
  }, 180_000);
});
