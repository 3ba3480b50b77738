import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCustomToolRunner } from "../../src/runtime/tools/custom/custom-tool-runner.js";
import { createSandbox, sandboxConfigFromEnv } from "../../src/runtime/tools/sandbox/select-sandbox.js";
import { type FakeLlmServer, startFakeAnthropic } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// Letta's deep-research agent (an Agent File exported by Letta) imports, and its two custom Python
// tools run in the sandbox: create_research_plan (List[str] annotations, agent_state edits) and
// reset_research. Its web_search is a built-in and is not exercised here.

const AGENT_FILE = readFileSync(
  new URL("../fixtures/agent-files/deep_research_agent.af", import.meta.url),
  "utf8",
);
const customTools = createCustomToolRunner({
  sandbox: createSandbox(sandboxConfigFromEnv({}), { warn: () => {}, env: process.env }),
});

describe("deep_research_agent.af: custom tools run after import", () => {
  let anthropic: FakeLlmServer;
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    anthropic = await startFakeAnthropic({ models: ["claude-sonnet-4-5-20250929"] });
  });
  afterAll(async () => {
    await anthropic.close();
  });
  beforeEach(async () => {
    anthropic.reset();
    t = await createTestApp({
      providers: { anthropic: { apiKey: "sk-ant-test", baseUrl: anthropic.url } },
      customTools,
    });
    const form = new FormData();
    form.append("file", new File([AGENT_FILE], "deep_research_agent.af", { type: "application/json" }));
    const response = await t.app.request("/v1/agents/import", { method: "POST", body: form });
    expect(response.status).toBe(200);
    agentId = ((await response.json()) as JsonBody).agent_ids[0];
  });
  afterEach(async () => {
    await t.close();
  });

  async function block(label: string): Promise<string> {
    const blocks = (await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks`)).body as JsonBody[];
    return blocks.find((candidate) => candidate.label === label)?.value;
  }

  it("the model calls create_research_plan in a turn and the plan lands in its block", async () => {
    anthropic.script.push(
      {
        toolCalls: [
          {
            name: "create_research_plan",
            arguments: {
              topic: "tidal energy",
              research_plan: ["Find installed capacity by country", "Compare costs with wind"],
            },
          },
        ],
      },
      { text: "Plan ready." },
    );
    const reply = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Research tidal energy." });
    expect(reply.status).toBe(200);
    const toolReturn = reply.body.messages.find(
      (message: JsonBody) => message.message_type === "tool_return_message",
    );
    expect(toolReturn.status).toBe("success");
    expect(JSON.parse(toolReturn.tool_return).message).toBe(
      "Research plan successfully created, time to execute the plan!",
    );
    expect(await block("research_plan")).toBe(
      "The plan of action is to research `tidal energy` with the following steps: \n" +
        "- [ ] Step 1 - Find installed capacity by country\n" +
        "- [ ] Step 2 - Compare costs with wind\n",
    );
  });

  it("reset_research empties both research blocks", async () => {
    const ran = await t.call("POST", `/v1/agents/${agentId}/tools/reset_research/run`, { args: {} });
    expect(ran.body).toMatchObject({ status: "success", func_return: "Research state successfully reset" });
    expect(await block("research_plan")).toBe("Empty - awaiting new research task");
    expect(await block("research_citations")).toBe("Empty - awaiting new research task");
  });
});
