import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createCustomToolRunner } from "../../src/runtime/tools/custom/custom-tool-runner.js";
import { createSandbox, sandboxConfigFromEnv } from "../../src/runtime/tools/sandbox/select-sandbox.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, type JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// Custom tools running for real (bubblewrap) through the API: POST /v1/tools/run, an agent's turn that
// calls custom tools (one edits memory through agent_state, one fails), and an agent's tool run.

const sandbox = createSandbox(sandboxConfigFromEnv({}), { warn: () => {}, env: process.env });
const customTools = createCustomToolRunner({ sandbox });

const REMEMBER_TOOL = `def remember_fact(agent_state: "AgentState", fact: str) -> str:
    """Save a fact about the user in the human block.

    Args:
        fact: The fact to remember.
    """
    human = agent_state.memory.get_block("human")
    agent_state.memory.update_block_value("human", human.value + "\\n" + fact)
    return f"Saved: {fact}"
`;

const FAILING_TOOL = `def divide(a: int, b: int) -> float:
    """Divide a by b.

    Args:
        a: The dividend.
        b: The divisor.
    """
    return a / b
`;

const SECRET_TOOL = `import os

def read_secret(name: str) -> str:
    """Read one of the tool's variables.

    Args:
        name: The variable.
    """
    return os.environ.get(name, "<unset>")
`;

const LONG_TOOL = `def long_text(n: int) -> str:
    """Return n characters.

    Args:
        n: How many.
    """
    return "x" * n
`;

describeOnEachStore("custom tools run in the sandbox", (storeKind) => {
  let fake: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    process.env.OPENAI_API_KEY_FOR_ESCAPE_CHECK = "sk-server-only";
  });
  afterAll(async () => {
    await fake.close();
    delete process.env.OPENAI_API_KEY_FOR_ESCAPE_CHECK;
  });
  beforeEach(async () => {
    fake.reset();
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: fake.url } },
      customTools,
    });
  });
  afterEach(async () => {
    await t.close();
  });

  it("POST /v1/tools/run runs source with arguments and variables, without saving it", async () => {
    const ran = await t.call("POST", "/v1/tools/run", {
      source_code: SECRET_TOOL,
      args: { name: "WEATHER_KEY" },
      env_vars: { WEATHER_KEY: "wk-123" },
    });
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({
      message_type: "tool_return_message",
      name: "read_secret",
      status: "success",
      tool_return: "wk-123",
    });
    const server = await t.call("POST", "/v1/tools/run", {
      source_code: SECRET_TOOL,
      args: { name: "OPENAI_API_KEY_FOR_ESCAPE_CHECK" },
    });
    expect(server.body.tool_return).toBe("<unset>");
    const listed = await t.call("GET", "/v1/tools/?name=read_secret");
    expect(listed.body).toEqual([]);
  });

  it("POST /v1/tools/run reports a raising tool in Letta's format, and bad source as 422", async () => {
    const failed = await t.call("POST", "/v1/tools/run", { source_code: FAILING_TOOL, args: { a: 1, b: 0 } });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      status: "error",
      tool_return: "Error executing function divide: ZeroDivisionError: division by zero",
    });
    const typescript = await t.call("POST", "/v1/tools/run", {
      source_code: "export function shout(text: string): string { return text.toUpperCase() + '!' }",
      source_type: "typescript",
      args: { text: "hi" },
    });
    expect(typescript.body).toMatchObject({ status: "success", tool_return: "HI!" });
    const broken = await t.call("POST", "/v1/tools/run", { source_code: "def broken(:\n", args: {} });
    expect(broken.status).toBe(422);
    expect(typeof broken.body.detail).toBe("string");
    const noFunction = await t.call("POST", "/v1/tools/run", { source_code: "x = 1\n", args: {} });
    expect(noFunction.status).toBe(422);
  });

  it("an agent's turn runs custom tools: memory edits are saved as the agent's revisions, failures are tool errors", async () => {
    const remember = await t.call("POST", "/v1/tools/", { source_code: REMEMBER_TOOL });
    const divide = await t.call("POST", "/v1/tools/", { source_code: FAILING_TOOL });
    expect([remember.status, divide.status]).toEqual([200, 200]);
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
      tool_ids: [remember.body.id, divide.body.id],
      secrets: { SOME_TOKEN: "tok" },
    });
    expect(created.status).toBe(200);
    const agentId: string = created.body.id;

    fake.script.push(
      { toolCalls: [{ name: "remember_fact", arguments: { fact: "Likes green tea" } }] },
      { toolCalls: [{ name: "divide", arguments: { a: 1, b: 0 } }] },
      { text: "Noted, and division by zero is undefined." },
    );
    const response = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: "I like green tea. Also, what is 1/0?" }],
    });
    expect(response.status).toBe(200);
    const body = response.body as JsonBody;
    expect(body.stop_reason.stop_reason).toBe("end_turn");
    const returns = body.messages.filter(
      (message: JsonBody) => message.message_type === "tool_return_message",
    );
    expect(returns.map((message: JsonBody) => message.status)).toEqual(["success", "error"]);
    expect(JSON.parse(returns[0].tool_return).message).toBe("Saved: Likes green tea");
    expect(JSON.parse(returns[1].tool_return)).toMatchObject({
      status: "Failed",
      message: "Error executing function divide: ZeroDivisionError: division by zero",
    });

    // The model saw both results.
    const lastRequest = completions(fake).at(-1)?.body as {
      messages: Array<{ role: string; content: string }>;
    };
    const toolTexts = lastRequest.messages.filter((message) => message.role === "tool").map((m) => m.content);
    expect(toolTexts.join("\n")).toContain("ZeroDivisionError");

    // The edit is in the block, with a revision by the agent and the run.
    const blocks = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks`);
    const human = blocks.body.find((block: JsonBody) => block.label === "human");
    expect(human.value).toBe("Name: Ada\nLikes green tea");
    const history = await t.call("GET", `/v1/blocks/${human.id}/history`);
    expect(history.body[0]).toMatchObject({
      actor_type: "agent",
      actor_id: agentId,
      old_value: "Name: Ada",
      new_value: "Name: Ada\nLikes green tea",
    });
    expect(history.body[0].run_id).toBeTruthy();
    // The system prompt carries the new memory.
    const context = await t.call("GET", `/v1/agents/${agentId}/messages?limit=1&order=asc`);
    expect(JSON.stringify(context.body)).toContain("Likes green tea");

    // The agent stays usable.
    fake.script.push({ text: "Still here." });
    const next = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: "Are you there?" }],
    });
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
  });

  it("runs an agent's tool outside a turn with the agent's secrets", async () => {
    const tool = await t.call("POST", "/v1/tools/", { source_code: SECRET_TOOL });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      tool_ids: [tool.body.id],
      secrets: { SOME_TOKEN: "agent-secret-value" },
    });
    const agentId: string = created.body.id;
    const ran = await t.call("POST", `/v1/agents/${agentId}/tools/read_secret/run`, {
      args: { name: "SOME_TOKEN" },
    });
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({ status: "success", func_return: "agent-secret-value" });
    const agentIdSeen = await t.call("POST", `/v1/agents/${agentId}/tools/read_secret/run`, {
      args: { name: "LETTA_AGENT_ID" },
    });
    expect(agentIdSeen.body.func_return).toBe(agentId);
    const missing = await t.call("POST", `/v1/agents/${agentId}/tools/nope/run`, { args: {} });
    expect(missing.status).toBe(404);
    const builtin = await t.call("POST", `/v1/agents/${agentId}/tools/send_message/run`, { args: {} });
    expect([400, 404]).toContain(builtin.status);
  });

  it("both run endpoints cut the result to return_char_limit with Letta's note, as a turn does", async () => {
    const note = (length: number, limit: number) =>
      `... [NOTE: function output was truncated since it exceeded the character limit: ${length} > ${limit}]`;
    // No tool row: Letta's default limit (50 000).
    const fromSource = await t.call("POST", "/v1/tools/run", { source_code: LONG_TOOL, args: { n: 60_000 } });
    expect(fromSource.body.status).toBe("success");
    expect(fromSource.body.tool_return).toBe("x".repeat(50_000) + note(60_000, 50_000));
    const fits = await t.call("POST", "/v1/tools/run", { source_code: LONG_TOOL, args: { n: 50_000 } });
    expect(fits.body.tool_return).toBe("x".repeat(50_000));

    const tool = await t.call("POST", "/v1/tools/", { source_code: LONG_TOOL, return_char_limit: 100 });
    expect(tool.body.return_char_limit).toBe(100);
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      tool_ids: [tool.body.id],
    });
    const agentId: string = created.body.id;
    const forAgent = await t.call("POST", `/v1/agents/${agentId}/tools/long_text/run`, { args: { n: 250 } });
    expect(forAgent.body).toMatchObject({ status: "success", func_return: "x".repeat(100) + note(250, 100) });

    // The same cut reaches the model in a turn.
    fake.script.push({ toolCalls: [{ name: "long_text", arguments: { n: 250 } }] }, { text: "Long." });
    await t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: "Go." }] });
    const lastRequest = completions(fake).at(-1)?.body as {
      messages: Array<{ role: string; content: string }>;
    };
    const toolText = lastRequest.messages.findLast((message) => message.role === "tool")?.content ?? "{}";
    expect(JSON.parse(toolText).message).toBe("x".repeat(100) + note(250, 100));

    // A raised limit lets the whole result through.
    await t.call("PATCH", `/v1/tools/${tool.body.id}`, { return_char_limit: 1_000 });
    const raised = await t.call("POST", `/v1/agents/${agentId}/tools/long_text/run`, { args: { n: 250 } });
    expect(raised.body.func_return).toBe("x".repeat(250));
  });

  it("with API keys on, running code needs a key", async () => {
    const guarded = await createTestApp({
      store: storeKind,
      customTools,
      auth: { envKey: "sk-admin-sandbox-test" },
    });
    try {
      const anonymous = await guarded.call("POST", "/v1/tools/run", {
        source_code: SECRET_TOOL,
        args: { name: "X" },
      });
      expect(anonymous.status).toBe(401);
      const keyed = await guarded.call(
        "POST",
        "/v1/tools/run",
        { source_code: SECRET_TOOL, args: { name: "X" } },
        { authorization: "Bearer sk-admin-sandbox-test" },
      );
      expect(keyed.body).toMatchObject({ status: "success", tool_return: "<unset>" });
    } finally {
      await guarded.close();
    }
  });
});
