import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Message } from "../../src/domain/index.js";
import type { ChatMessage, ToolDefinition } from "../../src/llm/providers/types.js";
import { createTokenCounter } from "../../src/llm/tokens/index.js";
import {
  type FakeLlmServer,
  lastUserText,
  type RecordedRequest,
  startFakeOpenAI,
} from "../fake-llm/index.js";
import { completions, expectConsistentWindow, storedMessages } from "../helpers/agent-turns.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// Summarization over HTTP: a small context window, a long conversation, and the fake model writing
// both the agent's replies and the summaries.
const WINDOW = 3000;
const SUMMARIZER_SYSTEM = "You write the memory of an AI agent";
const counter = createTokenCounter("openai/gpt-4o-mini");

interface WireMessage {
  role: string;
  content?: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

interface WireBody {
  messages: WireMessage[];
  tools?: Array<{ function: { name: string; description?: string; parameters: Record<string, unknown> } }>;
}

function wireText(content: WireMessage["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => part.text ?? "").join("");
}

/** The prompt tokens of a recorded Chat Completions request, counted as the summarizer counts. */
function requestTokens(request: RecordedRequest): number {
  const body = request.body as WireBody;
  const chat: ChatMessage[] = body.messages.map((message): ChatMessage => {
    const text = wireText(message.content);
    if (message.role === "system") return { role: "system", content: text };
    if (message.role === "user") return { role: "user", content: text };
    if (message.role === "tool") {
      return { role: "tool", results: [{ toolCallId: message.tool_call_id ?? "", name: "", content: text }] };
    }
    const calls = (message.tool_calls ?? []).map((call) => ({
      type: "tool-call" as const,
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
    return { role: "assistant", content: [...(text ? [{ type: "text" as const, text }] : []), ...calls] };
  });
  const tools: ToolDefinition[] = (body.tools ?? []).map((tool) => tool.function);
  return counter.countMessages(chat) + counter.countTools(tools);
}

function systemOf(request: RecordedRequest): string {
  return wireText((request.body as WireBody).messages[0]?.content);
}

const isSummarizerCall = (request: RecordedRequest) => systemOf(request).startsWith(SUMMARIZER_SYSTEM);

/** ~45 tokens of filler, so each turn weighs about the same. */
const filler = (n: number) =>
  `This is message number ${n} of a long talk about gardening, tomatoes, watering schedules and the weather in the valley this spring.`;

/** A fake model: summaries for the summarizer, a search on `[search]`, otherwise a plain reply. */
function scriptedModel(openai: FakeLlmServer): void {
  let summaries = 0;
  openai.script.respondWith((request) => {
    if (isSummarizerCall(request)) return { text: `Summary ${++summaries}: the user talks about gardening.` };
    const messages = (request.body as WireBody).messages;
    const last = messages.at(-1);
    if (last?.role === "user" && lastUserText(request).includes("[search]")) {
      return { toolCalls: [{ name: "conversation_search", arguments: { query: "tomatoes" } }] };
    }
    return { text: `Reply: ${filler(messages.length)}` };
  });
}

function windowChecks(window: readonly Message[]): void {
  // No tool return without its call before it.
  const called = new Set<string>();
  for (const message of window) {
    for (const call of message.tool_calls ?? []) called.add(call.id);
    for (const result of message.tool_returns ?? []) expect(called.has(result.tool_call_id)).toBe(true);
  }
}

describe("summarization of a window that outgrows its context", () => {
  let openai: FakeLlmServer;
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
    t = await createTestApp({ providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } } });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      context_window_limit: WINDOW,
      memory_blocks: [
        { label: "human", value: "Name: Ada. Likes gardening." },
        { label: "persona", value: "I am a helpful assistant." },
      ],
    });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });

  it("keeps every request within the window, summarizes the oldest messages and keeps them in recall", async () => {
    scriptedModel(openai);
    const sent: string[] = [];
    for (let turn = 1; turn <= 30; turn++) {
      const text = `${turn % 4 === 0 ? "[search] " : ""}${filler(turn)}`;
      sent.push(text);
      const response = await send(text);
      expect(response.status).toBe(200);
      expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    }

    const requests = completions(openai);
    const summarizerCalls = requests.filter(isSummarizerCall);
    expect(summarizerCalls.length).toBeGreaterThanOrEqual(2);
    for (const request of requests) expect(requestTokens(request)).toBeLessThanOrEqual(WINDOW);
    // The pressure was real: the conversation as a whole is several windows long.
    const all = await storedMessages(t.store, agentId);
    const history = all.filter((message) => message.role !== "system" && message.role !== "summary");
    expect(history.length).toBeGreaterThan(70);
    expect(Math.max(...requests.map(requestTokens))).toBeGreaterThan(WINDOW * 0.8);

    // The summarizer saw a transcript of the evicted messages, tool calls included.
    const firstInput = lastUserText(summarizerCalls[0]!);
    expect(firstInput).toContain("<start_transcript>");
    expect(firstInput).toContain(`[user] ${filler(1)}`);
    expect(firstInput).toMatch(/\[assistant\] Reply: /);
    const withTools = summarizerCalls
      .map(lastUserText)
      .find((input) => input.includes("-> conversation_search("));
    expect(withTools).toContain("[tool] conversation_search: ");
    // A later summary folds in the earlier one.
    expect(lastUserText(summarizerCalls[1]!)).toContain("[summary of earlier messages] Summary 1:");

    // The window: system, the latest summary, then whole exchanges.
    const window = await expectConsistentWindow(t.store, agentId);
    windowChecks(window);
    expect(window[1]?.role).toBe("summary");
    const alert = JSON.parse((window[1]!.content[0] as { text: string }).text);
    expect(alert.type).toBe("system_alert");
    expect(alert.message).toMatch(
      /^Note: \d+ messages from the beginning of the conversation have been hidden from view due to memory constraints\.\nThe following is a summary of the previous messages:\n Summary \d+: /,
    );
    expect(typeof alert.time).toBe("string");
    expect(["user", "assistant"]).toContain(window[2]?.role);
    expect(window.filter((message) => message.role === "summary")).toHaveLength(1);

    // Recall keeps everything: every message sent is still listed.
    const listed = await t.call("GET", `/v1/agents/${agentId}/messages?limit=1000&order=asc`);
    const userTexts = listed.body
      .filter((view: { message_type: string }) => view.message_type === "user_message")
      .map((view: { content: string }) => view.content);
    expect(userTexts).toEqual(sent);
    expect(
      listed.body.some((view: { message_type: string }) => view.message_type === "summary_message"),
    ).toBe(true);

    // Right after a compaction, the system prompt counts what left the window.
    const request = requests[requests.indexOf(summarizerCalls.at(-1)!) + 1]!;
    const hidden = Number(/- (\d+) previous messages between you and the user/.exec(systemOf(request))?.[1]);
    expect(hidden).toBeGreaterThan(0);
  });

  it("compacts on demand with POST /summarize, and refuses while a turn runs", async () => {
    scriptedModel(openai);
    for (let turn = 1; turn <= 4; turn++) await send(filler(turn));
    const before = await expectConsistentWindow(t.store, agentId);
    openai.requests.length = 0;

    const summarized = await t.call("POST", `/v1/agents/${agentId}/summarize`, {});
    expect(summarized.status).toBe(200);
    expect(summarized.body.summary).toBe("Summary 1: the user talks about gardening.");
    expect(summarized.body.num_messages_before).toBe(before.length);
    const after = await expectConsistentWindow(t.store, agentId);
    expect(summarized.body.num_messages_after).toBe(after.length);
    expect(after.length).toBeLessThan(before.length);
    expect(after[1]?.role).toBe("summary");
    expect(after.at(-1)?.id).toBe(before.at(-1)?.id);
    expect(completions(openai).filter(isSummarizerCall)).toHaveLength(1);
    // The system prompt was rebuilt with the new recall count.
    const total = await t.store.messages.count({ agent_id: agentId, conversation_id: null });
    const system = (after[0]!.content[0] as { text: string }).text;
    expect(system).toContain(`- ${total - after.length} previous messages between you and the user`);

    // A turn in progress holds the agent.
    openai.script.respondWith(undefined);
    openai.script.push({ text: "Slow answer.", delayMs: 300 });
    const turn = send("Take your time.");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await t.call("POST", `/v1/agents/${agentId}/summarize`, { compaction_settings: null });
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toContain("is currently being processed");
    expect((await turn).body.stop_reason.stop_reason).toBe("end_turn");

    const missing = await t.call("POST", "/v1/agents/agent-00000000-0000-4000-8000-00000000ffff/summarize");
    expect(missing.status).toBe(404);
  });

  it("stops with context_window_overflow_in_system_prompt and calls no model when the prompt cannot fit", async () => {
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      context_window_limit: 2000,
      memory_blocks: [{ label: "human", value: "tomato ".repeat(2000), limit: 20_000 }],
    });
    expect(created.status).toBe(200);
    const response = await t.call("POST", `/v1/agents/${created.body.id}/messages`, {
      messages: [{ role: "user", content: "Hello?" }],
    });
    expect(response.status).toBe(200);
    expect(response.body.stop_reason.stop_reason).toBe("context_window_overflow_in_system_prompt");
    expect(completions(openai)).toHaveLength(0);
    const run = await t.store.runs.get(response.body.usage.run_ids[0]);
    expect(run?.status).toBe("failed");
    expect(JSON.stringify(run?.metadata)).toMatch(/more than the context window of 2000 tokens/);

    // The input is still recorded, and the agent answers once the block is trimmed.
    const stored = await storedMessages(t.store, created.body.id);
    expect(stored.some((message) => message.role === "user")).toBe(true);
    const trimmed = await t.call("PATCH", `/v1/agents/${created.body.id}/core-memory/blocks/human`, {
      value: "tomato",
    });
    expect(trimmed.status).toBe(200);
    openai.script.push({ text: "Hello!" });
    const again = await t.call("POST", `/v1/agents/${created.body.id}/messages`, {
      messages: [{ role: "user", content: "Hello again?" }],
    });
    expect(again.body.stop_reason.stop_reason).toBe("end_turn");
  });

  it("recovers from a provider's context-length refusal by compacting and retrying", async () => {
    scriptedModel(openai);
    for (let turn = 1; turn <= 5; turn++) await send(filler(turn));
    openai.requests.length = 0;

    openai.script.failNext({ fault: "context-overflow" });
    const response = await send("One more question about tomatoes.");
    expect(response.status).toBe(200);
    expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    expect(response.body.usage.step_count).toBe(1);
    const [refused, summarizer, retried] = completions(openai);
    expect(isSummarizerCall(summarizer!)).toBe(true);
    expect((retried!.body as WireBody).messages.length).toBeLessThan(
      (refused!.body as WireBody).messages.length,
    );
    expect(lastUserText(retried!)).toBe("One more question about tomatoes.");
    const window = await expectConsistentWindow(t.store, agentId);
    expect(window[1]?.role).toBe("summary");

    // Refused again and again: two compactions, then the turn fails with the provider's error.
    openai.requests.length = 0;
    openai.script.respondWith((request) =>
      isSummarizerCall(request) ? { text: "Summary again." } : { fault: "context-overflow" },
    );
    const failed = await send("And another one.");
    expect(failed.body.stop_reason.stop_reason).toBe("llm_api_error");
    expect(completions(openai).filter((request) => !isSummarizerCall(request))).toHaveLength(3);
  });
});
