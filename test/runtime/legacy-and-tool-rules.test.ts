import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, type RecordedRequest, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, expectConsistentWindow, viewTypes } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

type ChatRequest = {
  messages: Array<{ role: string; content: string | null }>;
  tools?: Array<{ function: { name: string; parameters: { properties: object; required?: string[] } } }>;
  tool_choice?: unknown;
};

const bodyOf = (request: RecordedRequest | undefined) => request?.body as ChatRequest;

function toolSchema(request: RecordedRequest | undefined, name: string) {
  return bodyOf(request).tools?.find((tool) => tool.function.name === name)?.function.parameters;
}

const HEARTBEAT_REASON =
  "[This is an automated system message hidden from the user] Function called using request_heartbeat=true, returning control";

// Letta's MemGPT-style agents (heartbeats, send_message) and the tool rules that steer any loop.
describeOnEachStore("legacy agents and tool rules in the loop", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  async function createAgent(fields: Record<string, unknown>): Promise<string> {
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
      ...fields,
    });
    expect(created.status).toBe(200);
    return created.body.id;
  }
  const send = (agentId: string, text: string, extra: Record<string, unknown> = {}) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: text }],
      ...extra,
    });

  describe("memgpt_v2_agent", () => {
    it("a heartbeat request continues the turn and send_message ends it", async () => {
      const agentId = await createAgent({ agent_type: "memgpt_v2_agent" });
      openai.script.push(
        {
          toolCalls: [
            {
              name: "memory_insert",
              arguments: { label: "human", new_string: "Plays go.", request_heartbeat: true },
            },
          ],
        },
        { toolCalls: [{ name: "send_message", arguments: { message: "Noted that you play go!" } }] },
      );
      const response = await send(agentId, "I play go.");
      expect(response.status).toBe(200);
      expect(response.body.stop_reason.stop_reason).toBe("end_turn");
      const types = viewTypes(response.body.messages);
      expect(types.filter((type) => type !== "user_message")).toEqual([
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
      ]);
      expect(response.body.messages.at(-1).content).toBe("Noted that you play go!");
      const block = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`);
      expect(block.body.value).toBe("Name: Ada\nPlays go.");

      const [first, second] = completions(openai);
      expect(completions(openai)).toHaveLength(2);
      // Tools must be called, and every non-terminal one carries a required request_heartbeat.
      expect(bodyOf(first).tool_choice).toBe("required");
      expect(toolSchema(first, "memory_insert")?.required).toContain("request_heartbeat");
      expect(toolSchema(first, "send_message")?.properties).not.toHaveProperty("request_heartbeat");
      // The heartbeat went to the model as a user message after the tool result.
      const roles = bodyOf(second).messages.map((message) => message.role);
      expect(roles).toEqual(["system", "user", "assistant", "tool", "user"]);
      const heartbeat = JSON.parse(bodyOf(second).messages.at(-1)?.content ?? "");
      expect(heartbeat).toMatchObject({ type: "heartbeat", reason: HEARTBEAT_REASON });

      // send_message shows as the assistant's words in the history, its return hidden.
      const history = await t.call("GET", `/v1/agents/${agentId}/messages?order=asc`);
      expect(viewTypes(history.body)).toEqual([
        "system_message",
        "user_message",
        "tool_call_message",
        "tool_return_message",
        "user_message",
        "assistant_message",
      ]);
      await expectConsistentWindow(t.store, agentId);
    });

    it("gets Letta's base tool rules by default: send_message ends the loop, other built-ins continue it", async () => {
      const legacy = await t.call(
        "GET",
        `/v1/agents/${await createAgent({ agent_type: "memgpt_v2_agent" })}`,
      );
      expect(legacy.body.tool_rules).toEqual(
        expect.arrayContaining([
          { type: "exit_loop", tool_name: "send_message" },
          { type: "continue_loop", tool_name: "memory_insert" },
          { type: "continue_loop", tool_name: "conversation_search" },
        ]),
      );
      const optedOut = await t.call(
        "GET",
        `/v1/agents/${await createAgent({ agent_type: "memgpt_v2_agent", include_base_tool_rules: false })}`,
      );
      expect(optedOut.body.tool_rules).toEqual([]);
      const modern = await t.call("GET", `/v1/agents/${await createAgent({})}`);
      expect(modern.body.tool_rules).toEqual([]);
      // A rule the caller gave for a tool wins over the base one.
      const custom = await t.call(
        "GET",
        `/v1/agents/${await createAgent({ agent_type: "memgpt_v2_agent", tool_rules: [{ type: "exit_loop", tool_name: "memory_insert" }] })}`,
      );
      expect(
        custom.body.tool_rules.filter((rule: { tool_name: string }) => rule.tool_name === "memory_insert"),
      ).toEqual([{ type: "exit_loop", tool_name: "memory_insert" }]);
    });

    it("without a heartbeat request the turn ends after the tool", async () => {
      const agentId = await createAgent({
        agent_type: "memgpt_v2_agent",
        include_base_tool_rules: false,
        tool_rules: [{ type: "exit_loop", tool_name: "send_message" }],
      });
      openai.script.push({
        toolCalls: [
          {
            name: "memory_insert",
            arguments: { label: "human", new_string: "Plays go.", request_heartbeat: false },
          },
        ],
      });
      const response = await send(agentId, "I play go.");
      expect(response.body.stop_reason.stop_reason).toBe("end_turn");
      expect(viewTypes(response.body.messages)).toEqual(["tool_call_message", "tool_return_message"]);
      expect(completions(openai)).toHaveLength(1);
      await expectConsistentWindow(t.store, agentId);
    });

    it("send_message ends the turn even when it asks for a heartbeat", async () => {
      const agentId = await createAgent({ agent_type: "memgpt_v2_agent" });
      openai.script.push({
        toolCalls: [{ name: "send_message", arguments: { message: "Hello!", request_heartbeat: true } }],
      });
      const response = await send(agentId, "Hi");
      expect(response.body.stop_reason.stop_reason).toBe("tool_rule");
      expect(viewTypes(response.body.messages)).toEqual(["assistant_message"]);
      expect(completions(openai)).toHaveLength(1);
    });

    it("a failed tool call returns control to the model", async () => {
      const agentId = await createAgent({ agent_type: "memgpt_v2_agent" });
      openai.script.push(
        {
          toolCalls: [
            {
              name: "memory_replace",
              arguments: { label: "human", old_string: "Name: Bob", new_string: "x" },
            },
          ],
        },
        { toolCalls: [{ name: "send_message", arguments: { message: "I could not change that." } }] },
      );
      const response = await send(agentId, "Rename me.");
      expect(response.body.stop_reason.stop_reason).toBe("end_turn");
      const heartbeat = JSON.parse(bodyOf(completions(openai)[1]).messages.at(-1)?.content ?? "");
      expect(heartbeat.reason).toContain("Function call failed, returning control");
    });

    it("a reply without a tool call ends the turn with no_tool_call", async () => {
      const agentId = await createAgent({ agent_type: "memgpt_v2_agent" });
      openai.script.push({ text: "Just words, no tools." });
      const response = await send(agentId, "Hello");
      expect(response.status).toBe(200);
      expect(response.body.stop_reason.stop_reason).toBe("no_tool_call");
      const run = await t.store.runs.get(response.body.usage.run_ids[0]);
      expect(run).toMatchObject({ status: "failed", stop_reason: "no_tool_call" });
      // The agent still answers the next message.
      openai.script.push({ toolCalls: [{ name: "send_message", arguments: { message: "Back." } }] });
      const next = await send(agentId, "Hello again");
      expect(next.body.stop_reason.stop_reason).toBe("end_turn");
      await expectConsistentWindow(t.store, agentId);
    });
  });

  it("exit_loop: calling the tool ends the turn with tool_rule", async () => {
    const agentId = await createAgent({ tool_rules: [{ type: "exit_loop", tool_name: "memory_insert" }] });
    openai.script.push({
      toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Done here." } }],
    });
    const response = await send(agentId, "Remember and stop.");
    expect(response.body.stop_reason.stop_reason).toBe("tool_rule");
    expect(viewTypes(response.body.messages)).toEqual(["tool_call_message", "tool_return_message"]);
    expect(completions(openai)).toHaveLength(1);
    const run = await t.store.runs.get(response.body.usage.run_ids[0]);
    expect(run).toMatchObject({ status: "completed", stop_reason: "tool_rule" });
    // The prompt told the model about the rule.
    expect(bodyOf(completions(openai)[0]).messages[0]?.content).toContain("memory_insert");
  });

  it("max_steps: a model that keeps calling tools is stopped after the given number of steps", async () => {
    const agentId = await createAgent({});
    openai.script.respondWith(() => ({
      toolCalls: [{ name: "conversation_search", arguments: { query: "anything" } }],
    }));
    const response = await send(agentId, "Search forever.", { max_steps: 2 });
    expect(response.body.stop_reason.stop_reason).toBe("max_steps");
    expect(response.body.usage.step_count).toBe(2);
    expect(completions(openai)).toHaveLength(2);
    expect(viewTypes(response.body.messages)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "tool_call_message",
      "tool_return_message",
    ]);
    const run = await t.store.runs.get(response.body.usage.run_ids[0]);
    expect(run).toMatchObject({ status: "completed", stop_reason: "max_steps" });
    await expectConsistentWindow(t.store, agentId);

    openai.script.respondWith(undefined);
    openai.script.push({ text: "Done searching." });
    const next = await send(agentId, "Stop now.");
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
  });

  it("required_before_exit: an answer before the required tool sends the model back", async () => {
    const agentId = await createAgent({
      tool_rules: [{ type: "required_before_exit", tool_name: "conversation_search" }],
    });
    openai.script.push(
      { text: "Here is my answer." },
      { toolCalls: [{ name: "conversation_search", arguments: { query: "answer" } }] },
      { text: "Now it is final." },
    );
    const response = await send(agentId, "Answer me.");
    expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    expect(completions(openai)).toHaveLength(3);
    const second = bodyOf(completions(openai)[1]).messages.at(-1)?.content ?? "";
    expect(second).toContain(
      "ToolRuleViolated: You must call conversation_search at least once to exit the loop.",
    );
    await expectConsistentWindow(t.store, agentId);
  });

  it("constrain_child_tools: after the parent only its child is offered, and forced", async () => {
    const agentId = await createAgent({
      tool_rules: [
        { type: "constrain_child_tools", tool_name: "conversation_search", children: ["memory_insert"] },
      ],
    });
    openai.script.push(
      { toolCalls: [{ name: "conversation_search", arguments: { query: "ada" } }] },
      { toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Searched." } }] },
      { text: "All done." },
    );
    const response = await send(agentId, "Look me up and note it.");
    expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    const second = completions(openai)[1];
    expect(bodyOf(second).tools?.map((tool) => tool.function.name)).toEqual(["memory_insert"]);
    expect(bodyOf(second).tool_choice).toEqual({ type: "function", function: { name: "memory_insert" } });
  });
});
