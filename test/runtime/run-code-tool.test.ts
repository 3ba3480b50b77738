import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLocalRuntimes } from "../../src/runtime/tools/sandbox/local-runtime.js";
import { ProcessSandbox } from "../../src/runtime/tools/sandbox/process-sandbox.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp } from "../server/test-app.js";

const runtimes = findLocalRuntimes({ searchPath: process.env.PATH ?? "" });

describe("run_code as an agent's tool", () => {
  let openai: FakeLlmServer;
  beforeAll(async () => {
    openai = await startFakeOpenAI();
  });
  afterAll(() => openai.close());

  const turn = async (sandbox: ProcessSandbox | undefined) => {
    const t = await createTestApp({
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      sandbox,
    });
    try {
      const created = await t.call("POST", "/v1/agents/", {
        model: "openai/gpt-4o-mini",
        tools: ["run_code"],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      openai.script.push(
        {
          toolCalls: [
            { name: "run_code", arguments: { code: "print('working')\n2 ** 10", language: "python" } },
          ],
        },
        { text: "It is 1024." },
      );
      const sent = await t.call("POST", `/v1/agents/${created.body.id}/messages`, {
        input: "What is 2 to the 10th?",
      });
      expect(sent.status).toBe(200);
      const toolReturn = sent.body.messages.find(
        (message: { message_type: string }) => message.message_type === "tool_return_message",
      );
      return { status: toolReturn.status, body: JSON.parse(toolReturn.tool_return) };
    } finally {
      await t.close();
    }
  };

  it.skipIf(!runtimes.python)(
    "runs the model's code in the sandbox and hands back Letta's result",
    async () => {
      const ran = await turn(new ProcessSandbox(runtimes, () => {}));
      expect(ran.status).toBe("success");
      expect(JSON.parse(ran.body.message)).toEqual({
        results: ["1024"],
        logs: { stdout: ["working\n"], stderr: [] },
      });
    },
  );

  it("answers a tool error when the server has no sandbox", async () => {
    const refused = await turn(undefined);
    expect(refused.status).toBe("error");
    expect(refused.body.message).toBe("Error: run_code is not set up on this server");
  });
});
