import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type RunningMcpServer, startHttpMcpServer } from "../fake-mcp/http-servers.js";
import { completions, expectConsistentWindow, type JsonBody, viewTypes } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

type ChatMessage = { role: string; content: string | null; tool_call_id?: string };
type ToolOffer = { type: string; function: { name: string; description?: string; parameters: JsonBody } };

// MCP tools are tools like any other: attached by name, offered to the model with the server's schema,
// run through the same loop, rules and approvals.
describeOnEachStore("MCP tools in the agent loop", (storeKind) => {
  let openai: FakeLlmServer;
  let mcp: RunningMcpServer;
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    mcp = await startHttpMcpServer("streamable_http");
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      mcp: { pool: { initialBackoffMs: 1, maxBackoffMs: 1, callTimeoutMs: 1_500 } },
    });
    const server = await t.call("POST", "/v1/mcp-servers/", {
      server_name: "calc",
      config: { mcp_server_type: "streamable_http", server_url: mcp.url },
    });
    expect(server.status).toBe(200);
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
      tools: ["add", "echo", "slow"],
      tool_rules: [{ type: "requires_approval", tool_name: "echo" }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
    await mcp.close();
  });

  const say = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });
  const lastToolMessage = () => {
    const body = completions(openai).at(-1)?.body as { messages: ChatMessage[] };
    const message = body.messages.findLast((item) => item.role === "tool");
    return JSON.parse(message?.content ?? "{}") as { status: string; message: string };
  };

  it("offers the server's schema to the model and returns the tool's result to it", async () => {
    openai.script.push({ toolCalls: [{ name: "add", arguments: { a: 2, b: 40 } }] });
    openai.script.push({ text: "It is 42." });
    const reply = await say("What is 2 + 40?");
    expect(reply.status).toBe(200);
    expect(reply.body.stop_reason.stop_reason).toBe("end_turn");
    expect(viewTypes(reply.body.messages)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
    ]);
    expect(reply.body.messages[1]).toMatchObject({ name: "add", status: "success" });
    expect(lastToolMessage()).toMatchObject({ status: "OK", message: "42" });

    const offered = (completions(openai)[0]?.body as { tools: ToolOffer[] } | undefined)?.tools ?? [];
    const add = offered.find((tool) => tool.function.name === "add");
    expect(add?.function).toMatchObject({
      description: "Adds two numbers.",
      parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
    });
    await expectConsistentWindow(t.store, agentId);
  });

  it("asks for approval before running an MCP tool under requires_approval", async () => {
    openai.script.push({ toolCalls: [{ name: "echo", arguments: { text: "approved words" } }] });
    const paused = await say("Echo something.");
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    const callId: string = paused.body.messages[0].tool_call.tool_call_id;
    const echoes = () => mcp.requests.filter((request) => request.method === "POST").length;
    const before = echoes();
    openai.script.push({ text: "Done." });
    const resumed = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [
        { type: "approval", approvals: [{ type: "approval", tool_call_id: callId, approve: true }] },
      ],
    });
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect(resumed.body.messages[0]).toMatchObject({ tool_call_id: callId, status: "success" });
    expect(echoes()).toBeGreaterThan(before);
    expect(lastToolMessage()).toMatchObject({ status: "OK", message: "echo: approved words" });
  });

  it("an unreachable server is a tool error, the turn ends normally, and a later call reconnects", async () => {
    const port = mcp.port;
    await mcp.close();
    openai.script.push({ toolCalls: [{ name: "add", arguments: { a: 1, b: 1 } }] });
    openai.script.push({ text: "The calculator is down." });
    const down = await say("What is 1 + 1?");
    expect(down.status).toBe(200);
    expect(down.body.stop_reason.stop_reason).toBe("end_turn");
    expect(down.body.messages[1]).toMatchObject({ name: "add", status: "error" });
    const failure = lastToolMessage();
    expect(failure.status).toBe("Failed");
    expect(failure.message).toMatch(/^Error executing function add: McpUnavailableError: MCP server/);

    mcp = await startHttpMcpServer("streamable_http", port);
    openai.script.push({ toolCalls: [{ name: "add", arguments: { a: 1, b: 1 } }] });
    openai.script.push({ text: "2." });
    const back = await say("Try again.");
    expect(back.body.messages[1]).toMatchObject({ name: "add", status: "success" });
    expect(lastToolMessage()).toMatchObject({ status: "OK", message: "2" });
    await expectConsistentWindow(t.store, agentId);
  });

  it("a tool that hangs times out as a tool error instead of hanging the turn", async () => {
    openai.script.push({ toolCalls: [{ name: "slow", arguments: { ms: 60_000 } }] });
    openai.script.push({ text: "That took too long." });
    const reply = await say("Wait a minute.");
    expect(reply.body.stop_reason.stop_reason).toBe("end_turn");
    expect(reply.body.messages[1]).toMatchObject({ name: "slow", status: "error" });
    expect(lastToolMessage().message).toMatch(/timed out/);
  });

  it("Agent Files: MCP tools bind to the configured server of the same name, or say it is missing", async () => {
    const exported = await t.app.request(`/v1/agents/${agentId}/export`);
    const text = await exported.text();
    const importInto = async (app: TestApp) => {
      const form = new FormData();
      form.append("file", new File([text], "agent.af", { type: "application/json" }));
      const response = await app.app.request("/v1/agents/import", { method: "POST", body: form });
      return { status: response.status, body: (await response.json()) as JsonBody };
    };

    const here = await importInto(t);
    expect(here.status).toBe(200);
    expect(here.body.notes).toContainEqual(expect.stringMatching(/use the configured MCP server 'calc'/));
    const serverTools = (await t.call("GET", "/v1/tools/?name=add")).body as JsonBody[];
    expect(serverTools).toHaveLength(1);

    const elsewhere = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
    try {
      const imported = await importInto(elsewhere);
      expect(imported.status).toBe(200);
      expect(imported.body.notes).toContainEqual(
        expect.stringMatching(/need an MCP server named 'calc', which is not configured/),
      );
      const newAgent = imported.body.agent_ids[0];
      const send = (text: string) =>
        elsewhere.call("POST", `/v1/agents/${newAgent}/messages`, {
          messages: [{ role: "user", content: text }],
        });
      openai.script.push({ toolCalls: [{ name: "add", arguments: { a: 40, b: 2 } }] });
      openai.script.push({ text: "No calculator." });
      const unbound = await send("Add them.");
      expect(unbound.body.messages[1]).toMatchObject({ name: "add", status: "error" });
      expect(lastToolMessage().message).toMatch(/no configured MCP server/);

      // Adding the server by that name binds the imported tools.
      const added = await elsewhere.call("POST", "/v1/mcp-servers/", {
        server_name: "calc",
        config: { mcp_server_type: "streamable_http", server_url: mcp.url },
      });
      expect(added.status).toBe(200);
      openai.script.push({ toolCalls: [{ name: "add", arguments: { a: 40, b: 2 } }] });
      openai.script.push({ text: "42." });
      const bound = await send("Again.");
      expect(bound.body.messages[1]).toMatchObject({ name: "add", status: "success" });
      expect(lastToolMessage()).toMatchObject({ status: "OK", message: "42" });
    } finally {
      await elsewhere.close();
    }
  });

  it("a deleted server's tools are gone from the agent", async () => {
    const servers = (await t.call("GET", "/v1/mcp-servers/")).body as JsonBody[];
    expect((await t.call("DELETE", `/v1/mcp-servers/${servers[0].id}`)).status).toBe(200);
    const agent = await t.call("GET", `/v1/agents/${agentId}`);
    const names = (agent.body.tools as Array<{ name: string }>).map((tool) => tool.name);
    expect(names).not.toContain("add");
    expect(names).toContain("memory_insert");
  });
});
