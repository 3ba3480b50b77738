import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import {
  type FakeLlmServer,
  type RecordedRequest,
  startFakeAnthropic,
  startFakeOpenAI,
} from "../fake-llm/index.js";
import { completions, expectConsistentWindow, type JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

type AnthropicBlock = { type: string; id?: string; tool_use_id?: string; text?: string; content?: unknown };
type AnthropicMessage = { role: string; content: string | AnthropicBlock[] };

function anthropicMessages(request: RecordedRequest): AnthropicMessage[] {
  return (request.body as { messages: AnthropicMessage[] }).messages;
}

function blocksOf(message: AnthropicMessage): AnthropicBlock[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

/**
 * What the Anthropic API itself checks: roles alternate starting with the user, no empty text block,
 * tool_use ids of the allowed alphabet, and every tool_result answers a tool_use of the assistant
 * message just before it.
 */
function expectValidAnthropicRequest(request: RecordedRequest): void {
  const messages = anthropicMessages(request);
  expect(messages[0]?.role).toBe("user");
  messages.forEach((message, index) => {
    if (index > 0) expect(message.role).not.toBe(messages[index - 1]?.role);
    for (const block of blocksOf(message)) {
      if (block.type === "text") expect(block.text?.length).toBeGreaterThan(0);
      if (block.type === "tool_use") expect(block.id).toMatch(/^[a-zA-Z0-9_-]+$/);
      if (block.type === "tool_result") {
        const previous = messages[index - 1];
        const uses = previous ? blocksOf(previous).filter((candidate) => candidate.type === "tool_use") : [];
        expect(uses.map((use) => use.id)).toContain(block.tool_use_id);
      }
    }
  });
}

function resultText(block: AnthropicBlock): string {
  return typeof block.content === "string"
    ? block.content
    : (block.content as AnthropicBlock[]).map((part) => part.text ?? "").join("");
}

// An agent that talked to OpenAI (or any OpenAI-compatible server) moves to Anthropic in the middle of
// its history: the next turn must carry the old calls and results in Anthropic's form, with its memory.
describeOnEachStore("changing an agent's model across providers", (storeKind) => {
  let openai: FakeLlmServer;
  let anthropic: FakeLlmServer;
  let local: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    anthropic = await startFakeAnthropic({ models: ["claude-sonnet-4-5-20250929"] });
    local = await startFakeOpenAI({ models: ["qwen3-8b"] });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
    await local.close();
  });
  beforeEach(async () => {
    openai.reset();
    anthropic.reset();
    local.reset();
    t = await createTestApp({
      store: storeKind,
      providers: {
        openai: { apiKey: "sk-test", baseUrl: openai.url },
        anthropic: { apiKey: "sk-ant-test", baseUrl: anthropic.url },
        openaiCompatible: [{ name: "local", baseUrl: local.url }],
      },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  it("moves from OpenAI to Anthropic and back with memory, history and tool pairs intact", async () => {
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
    });
    const agentId: string = created.body.id;

    // An OpenAI-compatible server's call id (`functions.name:index`) is not a valid Anthropic id.
    openai.script.push(
      {
        text: "Let me remember that.",
        toolCalls: [
          {
            id: "functions.memory_insert:0",
            name: "memory_insert",
            arguments: { label: "human", new_string: "Drinks green tea." },
          },
        ],
      },
      { text: "Noted." },
    );
    await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "I drink green tea." });
    openai.script.push(
      { toolCalls: [{ id: "call_search_1", name: "conversation_search", arguments: { query: "tea" } }] },
      { text: "You drink green tea." },
    );
    await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "What do I drink?" });

    const switched = await t.call("PATCH", `/v1/agents/${agentId}`, {
      model: "anthropic/claude-sonnet-4-5-20250929",
    });
    expect(switched.status).toBe(200);
    expect(switched.body.llm_config.model_endpoint_type).toBe("anthropic");
    expect(switched.body.blocks[0].value).toBe("Name: Ada\nDrinks green tea.");

    anthropic.script.push({ text: "Green tea, Ada." });
    const reply = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Remind me?" });
    expect(reply.status).toBe(200);
    expect(reply.body.messages.at(-1).content).toBe("Green tea, Ada.");

    const request = completions(anthropic).at(-1) as RecordedRequest;
    expectValidAnthropicRequest(request);
    expect(JSON.stringify((request.body as JsonBody).system)).toContain("Drinks green tea.");
    const messages = anthropicMessages(request);
    const uses = messages.flatMap((message) =>
      blocksOf(message).filter((block) => block.type === "tool_use"),
    );
    const results = messages.flatMap((message) =>
      blocksOf(message).filter((block) => block.type === "tool_result"),
    );
    expect(uses).toHaveLength(2);
    expect(results.map((block) => block.tool_use_id)).toEqual(uses.map((block) => block.id));
    // The valid id goes through untouched; the other is rewritten the same way on both sides.
    expect(uses[1]?.id).toBe("call_search_1");
    expect(uses[0]?.id).not.toBe("functions.memory_insert:0");
    expect(resultText(results[0] as AnthropicBlock)).toContain("OK");
    expect(resultText(results[1] as AnthropicBlock)).toContain("I drink green tea.");
    const userTexts = messages
      .filter((message) => message.role === "user")
      .flatMap((message) => blocksOf(message).map((block) => block.text ?? ""));
    expect(userTexts.join("\n")).toContain("What do I drink?");

    // Stored history keeps the ids the models really used.
    const window = await expectConsistentWindow(t.store, agentId);
    const storedIds = window.flatMap((message) => (message.tool_calls ?? []).map((call) => call.id));
    expect(storedIds).toContain("functions.memory_insert:0");

    // And back to OpenAI: the Anthropic turn and the old calls are all there, ids as stored.
    await t.call("PATCH", `/v1/agents/${agentId}`, { model: "openai/gpt-4o-mini" });
    openai.script.push({ text: "Still green tea." });
    const back = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "And now?" });
    expect(back.body.messages.at(-1).content).toBe("Still green tea.");
    const last = completions(openai).at(-1)?.body as {
      messages: Array<{
        role: string;
        content?: unknown;
        tool_calls?: Array<{ id: string }>;
        tool_call_id?: string;
      }>;
    };
    const calls = last.messages.flatMap((message) => message.tool_calls ?? []).map((call) => call.id);
    const answered = last.messages
      .filter((message) => message.role === "tool")
      .map((message) => message.tool_call_id);
    expect(calls).toEqual(["functions.memory_insert:0", "call_search_1"]);
    expect(answered).toEqual(calls);
    expect(JSON.stringify(last.messages)).toContain("Green tea, Ada.");
  });

  it("moves from Anthropic to an OpenAI-compatible server mid-history", async () => {
    const created = await t.call("POST", "/v1/agents/", {
      model: "anthropic/claude-sonnet-4-5-20250929",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
    });
    const agentId: string = created.body.id;
    anthropic.script.push(
      {
        text: "Noting it.",
        toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Lives in Paris." } }],
      },
      { text: "Done." },
    );
    await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "I live in Paris." });

    const switched = await t.call("PATCH", `/v1/agents/${agentId}`, { model: "local/qwen3-8b" });
    expect(switched.status).toBe(200);
    local.script.push({ text: "You live in Paris." });
    const reply = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Where do I live?" });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.messages.at(-1)?.content, JSON.stringify(reply.body)).toBe("You live in Paris.");

    const body = completions(local).at(-1)?.body as {
      model: string;
      messages: Array<{
        role: string;
        content?: unknown;
        tool_calls?: Array<{ id: string }>;
        tool_call_id?: string;
      }>;
    };
    expect(body.model).toBe("qwen3-8b");
    expect(JSON.stringify(body.messages[0])).toContain("Lives in Paris.");
    const calls = body.messages.flatMap((message) => message.tool_calls ?? []).map((call) => call.id);
    const answered = body.messages
      .filter((message) => message.role === "tool")
      .map((message) => message.tool_call_id);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^toolu_/);
    expect(answered).toEqual(calls);
    const withCall = body.messages.find((message) => message.tool_calls?.length);
    expect(JSON.stringify(withCall?.content)).toContain("Noting it.");
  });
});
