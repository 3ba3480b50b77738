import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import {
  type FakeLlmServer,
  type RecordedRequest,
  startFakeAnthropic,
  startFakeOpenAI,
} from "../fake-llm/index.js";
import { completions, expectConsistentWindow, type JsonBody, viewTypes } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

type WireMessage = { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string };

/** A tool result as a provider received it: the id of the call it answers and its text. */
interface WireToolResult {
  callId: string;
  text: string;
}

/** OpenAI Chat Completions: results are `role: "tool"` messages carrying `tool_call_id`. */
function openaiToolResults(request: RecordedRequest): WireToolResult[] {
  const messages = (request.body as { messages: WireMessage[] }).messages;
  return messages
    .filter((message) => message.role === "tool")
    .map((message) => {
      expect(typeof message.tool_call_id).toBe("string");
      return { callId: message.tool_call_id as string, text: String(message.content) };
    });
}

/** OpenAI Chat Completions: the assistant's calls, by id and name. */
function openaiToolCalls(request: RecordedRequest): Array<{ id: string; name: string }> {
  const messages = (request.body as { messages: WireMessage[] }).messages;
  return messages.flatMap((message) =>
    message.role === "assistant"
      ? ((message.tool_calls ?? []) as Array<{ id: string; function: { name: string } }>).map((call) => ({
          id: call.id,
          name: call.function.name,
        }))
      : [],
  );
}

type AnthropicBlock = {
  type: string;
  id?: string;
  name?: string;
  tool_use_id?: string;
  content?: unknown;
  text?: string;
};

function anthropicBlocks(request: RecordedRequest, role: string): AnthropicBlock[] {
  const messages = (request.body as { messages: WireMessage[] }).messages;
  return messages
    .filter((message) => message.role === role)
    .flatMap((message) =>
      Array.isArray(message.content)
        ? (message.content as AnthropicBlock[])
        : [{ type: "text", text: String(message.content) }],
    );
}

/** Anthropic Messages: results are `tool_result` blocks inside user messages, keyed by `tool_use_id`. */
function anthropicToolResults(request: RecordedRequest): WireToolResult[] {
  return anthropicBlocks(request, "user")
    .filter((block) => block.type === "tool_result")
    .map((block) => ({
      callId: block.tool_use_id as string,
      text:
        typeof block.content === "string"
          ? block.content
          : (block.content as AnthropicBlock[]).map((part) => part.text ?? "").join(""),
    }));
}

/** Anthropic Messages: the assistant's `tool_use` blocks. */
function anthropicToolCalls(request: RecordedRequest): Array<{ id: string; name: string }> {
  return anthropicBlocks(request, "assistant")
    .filter((block) => block.type === "tool_use")
    .map((block) => ({ id: block.id as string, name: block.name as string }));
}

function offeredTools(request: RecordedRequest): string[] {
  const tools =
    (request.body as { tools?: Array<{ name?: string; function?: { name: string } }> }).tools ?? [];
  return tools.map((tool) => tool.function?.name ?? tool.name ?? "").sort();
}

const PROVIDERS = [
  {
    name: "openai",
    model: "openai/gpt-4o-mini",
    toolResults: openaiToolResults,
    toolCalls: openaiToolCalls,
  },
  {
    name: "anthropic",
    model: "anthropic/claude-sonnet-4-5-20250929",
    toolResults: anthropicToolResults,
    toolCalls: anthropicToolCalls,
  },
] as const;

// The same multi-step tool turn driven by each provider's real SDK against its fake wire server.
describeOnEachStore("a multi-step tool turn through each provider", (storeKind) => {
  let openai: FakeLlmServer;
  let anthropic: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    anthropic = await startFakeAnthropic({ models: ["claude-sonnet-4-5-20250929"] });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });
  beforeEach(async () => {
    openai.reset();
    anthropic.reset();
    t = await createTestApp({
      store: storeKind,
      providers: {
        openai: { apiKey: "sk-test", baseUrl: openai.url },
        anthropic: { apiKey: "sk-ant-test", baseUrl: anthropic.url },
      },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: memory_insert, then conversation_search, then an answer`, async () => {
      const fake = provider.name === "openai" ? openai : anthropic;
      const idle = provider.name === "openai" ? anthropic : openai;
      const created = await t.call("POST", "/v1/agents/", {
        model: provider.model,
        memory_blocks: [{ label: "human", value: "Name: Ada" }],
      });
      expect(created.status).toBe(200);
      const agentId: string = created.body.id;

      // An earlier turn, for the search to find (recall search leaves out the running turn).
      fake.script.push({ text: "Nice." });
      const earlier = await t.call("POST", `/v1/agents/${agentId}/messages`, {
        input: "I drink green tea every morning.",
      });
      expect(earlier.body.stop_reason.stop_reason).toBe("end_turn");

      fake.script.push(
        {
          text: "Let me note that.",
          toolCalls: [
            { name: "memory_insert", arguments: { label: "human", new_string: "Drinks green tea." } },
          ],
        },
        { toolCalls: [{ name: "conversation_search", arguments: { query: "tea" } }] },
        { text: "Noted: you like green tea." },
      );
      const response = await t.call("POST", `/v1/agents/${agentId}/messages`, {
        messages: [{ role: "user", content: "Remember what I drink." }],
      });
      expect(response.status).toBe(200);
      const body = response.body as JsonBody;
      expect(body.stop_reason.stop_reason).toBe("end_turn");
      expect(viewTypes(body.messages)).toEqual([
        "assistant_message",
        "tool_call_message",
        "tool_return_message",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
      ]);
      expect(body.messages.at(-1).content).toBe("Noted: you like green tea.");
      expect(body.usage.step_count).toBe(3);
      const [insertReturn, searchReturn] = body.messages.filter(
        (m: { message_type: string }) => m.message_type === "tool_return_message",
      );
      expect(insertReturn.status).toBe("success");
      expect(searchReturn.status).toBe("success");
      const searched = JSON.parse(JSON.parse(searchReturn.tool_return).message);
      expect(searched.results.map((r: { content: string }) => r.content)).toContain(
        "I drink green tea every morning.",
      );

      const block = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`);
      expect(block.body.value).toBe("Name: Ada\nDrinks green tea.");

      // Only this provider was called, three times, offered the agent's tools.
      const requests = completions(fake).slice(1);
      expect(requests).toHaveLength(3);
      expect(completions(idle)).toHaveLength(0);
      expect(offeredTools(requests[0] as RecordedRequest)).toEqual([
        "conversation_search",
        "memory_insert",
        "memory_replace",
      ]);
      expect((requests[0]?.body as { model?: string } | undefined)?.model).toBe(provider.model.split("/")[1]);

      // Each later request carries the earlier calls and their results, paired by id, in its wire format.
      const second = requests[1] as RecordedRequest;
      const third = requests[2] as RecordedRequest;
      expect(provider.toolCalls(second).map((call) => call.name)).toEqual(["memory_insert"]);
      expect(provider.toolResults(second).map((result) => result.callId)).toEqual(
        provider.toolCalls(second).map((call) => call.id),
      );
      const calls = provider.toolCalls(third);
      const results = provider.toolResults(third);
      expect(calls.map((call) => call.name)).toEqual(["memory_insert", "conversation_search"]);
      expect(results.map((result) => result.callId)).toEqual(calls.map((call) => call.id));
      expect(JSON.parse(results[0]?.text ?? "")).toMatchObject({ status: "OK" });
      expect(results[1]?.text).toContain("I drink green tea every morning.");
      // The ids the model sent are the ids the server stored and showed.
      expect(body.messages[1].tool_call.tool_call_id).toBe(calls[0]?.id);
      expect(body.messages[3].tool_call.tool_call_id).toBe(calls[1]?.id);

      await expectConsistentWindow(t.store, agentId);

      // The next turn shows the edited block in the system prompt.
      fake.script.push({ text: "Good morning!" });
      await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "Morning!" });
      const system = JSON.stringify(completions(fake)[4]?.body as { system?: unknown; messages: unknown[] });
      expect(system).toContain("Drinks green tea.");
    });
  }

  it("anthropic: keeps roles alternating through heartbeats and an approval pause", async () => {
    const created = await t.call("POST", "/v1/agents/", {
      agent_type: "memgpt_v2_agent",
      model: "anthropic/claude-sonnet-4-5-20250929",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
      tool_rules: [{ type: "requires_approval", tool_name: "memory_replace" }],
    });
    const agentId: string = created.body.id;
    anthropic.script.push(
      {
        toolCalls: [
          {
            name: "memory_insert",
            arguments: { label: "human", new_string: "Tea.", request_heartbeat: true },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: "memory_replace",
            arguments: {
              label: "human",
              old_string: "Tea.",
              new_string: "Green tea.",
              request_heartbeat: true,
            },
          },
        ],
      },
    );
    const paused = await t.call("POST", `/v1/agents/${agentId}/messages`, { input: "I drink green tea." });
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    anthropic.script.push({ toolCalls: [{ name: "send_message", arguments: { message: "Noted." } }] });
    const resumed = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [
        {
          type: "approval",
          approvals: [
            {
              type: "approval",
              tool_call_id: paused.body.messages.at(-1).tool_call.tool_call_id,
              approve: true,
            },
          ],
        },
      ],
    });
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect((await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`)).body.value).toBe(
      "Name: Ada\nGreen tea.",
    );

    for (const request of completions(anthropic)) {
      const body = request.body as { messages: Array<{ role: string }>; tool_choice?: { type: string } };
      const roles = body.messages.map((message) => message.role);
      expect(roles[0]).toBe("user");
      for (let index = 1; index < roles.length; index++) expect(roles[index]).not.toBe(roles[index - 1]);
      // MemGPT-style agents must call a tool.
      expect(body.tool_choice?.type).toBe("any");
    }
    const last = completions(anthropic).at(-1) as RecordedRequest;
    expect(anthropicToolCalls(last).map((call) => call.name)).toEqual(["memory_insert", "memory_replace"]);
    expect(anthropicToolResults(last).map((result) => result.callId)).toEqual(
      anthropicToolCalls(last).map((call) => call.id),
    );
    await expectConsistentWindow(t.store, agentId);
  });
});
