import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/app.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "./test-app.js";

// biome-ignore lint/suspicious/noExplicitAny: chunks are asserted field by field.
type Chunk = any;
interface Frame {
  event?: string;
  data: Chunk;
}

/** Parses an SSE body into frames; `[DONE]` stays a string. */
function parseFrames(raw: string): Frame[] {
  return raw
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const frame: Frame = { data: undefined };
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) frame.event = line.slice(7);
        if (line.startsWith("data: ")) {
          const data = line.slice(6);
          frame.data = data === "[DONE]" ? data : JSON.parse(data);
        }
      }
      return frame;
    });
}

/** Reads frames as they arrive until `until` says stop (or the body ends). */
async function readUntil(response: Response, until: (frames: Frame[]) => boolean): Promise<Frame[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const complete = text.slice(0, text.lastIndexOf("\n\n") + 2);
    if (until(parseFrames(complete))) {
      await reader.cancel();
      return parseFrames(complete);
    }
  }
  return parseFrames(text);
}

const messagesOf = (frames: Frame[]) =>
  frames.map((frame) => frame.data).filter((data) => data !== "[DONE]" && data.message_type !== "ping");

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("streaming turns (SSE)", () => {
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
      memory_blocks: [{ label: "human", value: "Name: unknown" }],
    });
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const post = (path: string, body: unknown, app = t.app, signal?: AbortSignal) =>
    app.request(path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      signal,
    });
  const user = (text: string) => [{ role: "user", content: text, otid: `otid-${text.length}` }];
  const replaceName = {
    toolCalls: [
      {
        name: "memory_replace",
        arguments: { label: "human", old_string: "Name: unknown", new_string: "Name: Ada" },
      },
    ],
  };
  const runViews = async (runId: string) =>
    (await t.call("GET", `/v1/runs/${runId}/messages`)).body.filter(
      (view: Chunk) => view.message_type !== "user_message",
    );

  it("streams each step's views as it commits, numbered, then stop_reason, usage and [DONE]", async () => {
    openai.script.push(replaceName, { text: "Nice to meet you, Ada." });
    const response = await post(`/v1/agents/${agentId}/messages/`, {
      messages: user("I am Ada"),
      streaming: true,
      include_pings: false,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const raw = await response.text();
    expect(raw).not.toMatch(/^event:/m);
    const frames = parseFrames(raw);
    expect(frames.at(-1)?.data).toBe("[DONE]");
    const chunks = messagesOf(frames);
    expect(chunks.map((chunk) => chunk.message_type)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
      "stop_reason",
      "usage_statistics",
    ]);
    const runId = chunks[0].run_id;
    expect(runId).toMatch(/^run-/);
    expect(chunks.every((chunk) => chunk.run_id === runId)).toBe(true);
    expect(chunks.map((chunk) => chunk.seq_id)).toEqual([1, 2, 3, 4, 5]);
    for (const chunk of chunks.slice(0, 3)) {
      expect(chunk).toMatchObject({
        id: expect.any(String),
        otid: expect.any(String),
        date: expect.any(String),
      });
      expect(chunk.step_id).toMatch(/^step-/);
    }
    expect(chunks[3].stop_reason).toBe("end_turn");
    expect(chunks[4]).toMatchObject({ step_count: 2, run_ids: [runId] });
    const stored = await runViews(runId);
    expect(chunks.slice(0, 3).map(({ seq_id: _, ...view }) => view)).toEqual(
      stored.map(({ seq_id: _, ...view }: Chunk) => view),
    );
    const run = await t.call("GET", `/v1/runs/${runId}`);
    expect(run.body).toMatchObject({ status: "completed", stop_reason: "end_turn" });
  });

  it("streams tokens: deltas sharing id and otid reassemble into the committed messages", async () => {
    openai.script.push(replaceName, { text: "Nice to meet you, Ada. How are you today?" });
    const response = await post(`/v1/agents/${agentId}/messages`, {
      messages: user("I am Ada"),
      streaming: true,
      stream_tokens: true,
      include_pings: false,
    });
    const chunks = messagesOf(parseFrames(await response.text()));
    expect(chunks.map((chunk) => chunk.seq_id)).toEqual(chunks.map((_, index) => index + 1));
    const assembled = new Map<string, Chunk>();
    const counts = new Map<string, number>();
    for (const chunk of chunks.filter((item) => item.id)) {
      const key = `${chunk.id}/${chunk.otid}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const seen = assembled.get(key);
      if (!seen) {
        assembled.set(key, structuredClone(chunk));
        continue;
      }
      expect(chunk.message_type).toBe(seen.message_type);
      if (chunk.message_type === "assistant_message") seen.content += chunk.content;
      if (chunk.message_type === "tool_call_message") {
        seen.tool_call.arguments += chunk.tool_call.arguments;
        expect(chunk.tool_call.tool_call_id).toBe(seen.tool_call.tool_call_id);
      }
    }
    const stored = await runViews(chunks[0].run_id);
    expect(stored.map((view: Chunk) => view.message_type)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
    ]);
    expect([...assembled.keys()]).toEqual(stored.map((view: Chunk) => `${view.id}/${view.otid}`));
    const [call, toolReturn, words] = stored;
    expect(assembled.get(`${words.id}/${words.otid}`).content).toBe(words.content);
    expect(assembled.get(`${call.id}/${call.otid}`).tool_call).toEqual(call.tool_call);
    expect(counts.get(`${words.id}/${words.otid}`)).toBeGreaterThan(3);
    expect(counts.get(`${call.id}/${call.otid}`)).toBeGreaterThan(1);
    expect(counts.get(`${toolReturn.id}/${toolReturn.otid}`)).toBe(1);
    expect(chunks.slice(-2).map((chunk) => chunk.message_type)).toEqual(["stop_reason", "usage_statistics"]);
  });

  it("streams a client tool call as approval_request deltas, then streams the turn the result resumes", async () => {
    const runShell = {
      name: "run_shell",
      description: "Runs a shell command.",
      parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    };
    openai.script.push({
      text: "Let me look.",
      toolCalls: [{ name: "run_shell", arguments: { command: "ls -la" } }],
    });
    const paused = await post("/v1/conversations/default/messages", {
      agent_id: agentId,
      messages: user("files?"),
      client_tools: [runShell],
      stream_tokens: true,
      include_pings: true,
      background: true,
      include_return_message_types: ["assistant", "approval_request", "tool_return"],
    });
    const chunks = messagesOf(parseFrames(await paused.text()));
    const requests = chunks.filter((chunk) => chunk.message_type === "approval_request_message");
    expect(requests.length).toBeGreaterThan(1);
    expect(new Set(requests.map((chunk) => `${chunk.id}/${chunk.otid}`)).size).toBe(1);
    expect(requests[0].tool_call).toMatchObject({ name: "run_shell", arguments: "" });
    const callId = requests[0].tool_call.tool_call_id;
    const args = requests.map((chunk) => chunk.tool_call.arguments).join("");
    expect(JSON.parse(args)).toEqual({ command: "ls -la" });
    expect(
      chunks
        .filter((chunk) => chunk.message_type === "assistant_message")
        .map((c) => c.content)
        .join(""),
    ).toBe("Let me look.");
    expect(chunks.at(-2)).toMatchObject({ message_type: "stop_reason", stop_reason: "requires_approval" });
    const [stored] = (await t.call("GET", `/v1/messages/${requests[0].id}`)).body;
    expect(stored).toMatchObject({ message_type: "approval_request_message", otid: requests[0].otid });
    expect(stored.tool_call).toEqual({ name: "run_shell", arguments: args, tool_call_id: callId });

    openai.script.push({ text: "You have notes.txt." });
    const resumed = await post("/v1/conversations/default/messages", {
      agent_id: agentId,
      messages: [
        {
          type: "approval",
          approvals: [{ type: "tool", tool_call_id: callId, tool_return: "notes.txt", status: "success" }],
        },
      ],
      client_tools: [runShell],
      stream_tokens: true,
      include_pings: false,
    });
    const after = messagesOf(parseFrames(await resumed.text()));
    expect(after[0]).toMatchObject({ message_type: "tool_return_message", tool_call_id: callId, seq_id: 1 });
    expect(after.at(-2)).toMatchObject({ message_type: "stop_reason", stop_reason: "end_turn" });
  });

  it("sends a legacy send_message call whole, as assistant words, once its step commits", async () => {
    const legacy = (
      await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", agent_type: "memgpt_v2_agent" })
    ).body.id;
    openai.script.push({ toolCalls: [{ name: "send_message", arguments: { message: "Hello, Ada!" } }] });
    const response = await post(`/v1/agents/${legacy}/messages`, {
      messages: user("hi"),
      streaming: true,
      stream_tokens: true,
      include_pings: false,
    });
    const chunks = messagesOf(parseFrames(await response.text()));
    expect(chunks.map((chunk) => [chunk.message_type, chunk.content ?? chunk.stop_reason])).toEqual([
      ["assistant_message", "Hello, Ada!"],
      ["stop_reason", "end_turn"],
      ["usage_statistics", undefined],
    ]);
  });

  it("sends pings carrying the run and the last seq_id while the model is slow", async () => {
    const app = createApp({
      services: t.services,
      registry: t.registry,
      version: { letta: "0.16.8", reverie: "test" },
      streaming: { pingIntervalMs: 30 },
    });
    openai.script.push({ text: "finally", delayMs: 250 });
    const response = await post(
      `/v1/agents/${agentId}/messages`,
      { messages: user("hi"), streaming: true },
      app,
    );
    const chunks = parseFrames(await response.text()).map((frame) => frame.data);
    const pings = chunks.filter((chunk) => chunk.message_type === "ping");
    expect(pings.length).toBeGreaterThan(2);
    const runId = chunks.find((chunk) => chunk.message_type === "assistant_message").run_id;
    expect(pings[0]).toMatchObject({ run_id: runId, seq_id: 0, date: expect.any(String) });
    expect(pings[0].id).toMatch(/^ping-[0-9a-f-]{36}$/);
  });

  it("runs an async request in the background; the run is polled to completion", async () => {
    openai.script.push({ text: "done in the background", delayMs: 100 });
    const started = await t.call("POST", `/v1/agents/${agentId}/messages/async`, { messages: user("go") });
    expect(started.status).toBe(200);
    expect(["created", "running"]).toContain(started.body.status);
    const runId = started.body.id;
    const finished = await until(async () => {
      const run = (await t.call("GET", `/v1/runs/${runId}`)).body;
      return run.status === "completed" ? run : undefined;
    });
    expect(finished.stop_reason).toBe("end_turn");
    const views = await runViews(runId);
    expect(views.map((view: Chunk) => view.content)).toEqual(["done in the background"]);
  });

  it("cancels a slow run: the stream ends with stop_reason cancelled and the run is cancelled", async () => {
    openai.script.push({ text: "too late", delayMs: 5_000 });
    const response = await post(`/v1/agents/${agentId}/messages/stream`, {
      messages: user("slow"),
      include_pings: false,
    });
    const body = response.text();
    const runs = (await t.call("GET", `/v1/runs/?agent_id=${agentId}&active=true`)).body;
    expect(runs).toHaveLength(1);
    const cancelled = await t.call("POST", `/v1/agents/${agentId}/messages/cancel`, {});
    expect(cancelled.body).toEqual({ [runs[0].id]: "cancelled" });
    const chunks = messagesOf(parseFrames(await body));
    expect(chunks.map((chunk) => [chunk.message_type, chunk.stop_reason])).toEqual([
      ["stop_reason", "cancelled"],
      ["usage_statistics", undefined],
    ]);
    const run = (await t.call("GET", `/v1/runs/${runs[0].id}`)).body;
    expect(run).toMatchObject({ status: "cancelled", stop_reason: "cancelled" });
  });

  it("cancelling a plain JSON send aborts its model call: the turn answers stop_reason cancelled", async () => {
    openai.script.push({ text: "too late", delayMs: 5_000 });
    const sent = t.call("POST", `/v1/agents/${agentId}/messages`, { messages: user("slow json") });
    const run = await until(async () => {
      const [active] = (await t.call("GET", `/v1/runs/?agent_id=${agentId}&active=true`)).body;
      return active;
    });
    expect((await t.call("POST", `/v1/agents/${agentId}/messages/cancel`, {})).body).toEqual({
      [run.id]: "cancelled",
    });
    const response = await sent;
    expect(response.status).toBe(200);
    expect(response.body.stop_reason.stop_reason).toBe("cancelled");
    expect(response.body.messages).toEqual([]);
    expect(await runViews(run.id)).toEqual([]);
  });

  it("cancelling a run paused for approval denies its pending calls, as Letta does", async () => {
    openai.script.push({ toolCalls: [{ name: "run_shell", arguments: { command: "rm -rf /" } }] });
    const paused = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: user("clean up"),
      client_tools: [{ name: "run_shell", parameters: { type: "object", properties: {} } }],
    });
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    const runId = paused.body.usage.run_ids[0];
    const callId = paused.body.messages[0].tool_call.tool_call_id;
    const cancelled = await t.call("POST", `/v1/agents/${agentId}/messages/cancel`, { run_ids: [runId] });
    expect(cancelled.body).toEqual({ [runId]: "cancelled" });
    expect((await t.call("GET", `/v1/runs/${runId}`)).body).toMatchObject({
      status: "cancelled",
      stop_reason: "cancelled",
    });
    const views = (await t.call("GET", `/v1/agents/${agentId}/messages?order=asc`)).body;
    const [decision, result] = views.slice(-2);
    expect(decision).toMatchObject({
      message_type: "approval_response_message",
      approve: false,
      approval_request_id: callId,
      reason: "The user cancelled the request, so the tool call was denied.",
    });
    expect(result).toMatchObject({
      message_type: "tool_return_message",
      tool_call_id: callId,
      status: "error",
    });
    // The window no longer waits for an answer: a new message is accepted.
    openai.script.push({ text: "Okay, I will not." });
    const next = await t.call("POST", `/v1/agents/${agentId}/messages`, { messages: user("never mind") });
    expect(next.status).toBe(200);
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
    expect((await t.call("POST", `/v1/agents/${agentId}/messages/cancel`, {})).body).toEqual({});
  });

  it("reports a provider failure mid-stream as stop_reason then an error event; the run fails", async () => {
    openai.script.failNext({
      fault: "stream-cut",
      afterEvents: 3,
      reply: { text: "one two three four five" },
    });
    const response = await post(`/v1/agents/${agentId}/messages`, {
      messages: user("fail"),
      streaming: true,
      stream_tokens: true,
      include_pings: false,
    });
    const frames = parseFrames(await response.text());
    const errorIndex = frames.findIndex((frame) => frame.event === "error");
    expect(errorIndex).toBeGreaterThan(0);
    expect(frames[errorIndex - 1]?.data.message_type).toBe("stop_reason");
    expect(["llm_api_error", "error"]).toContain(frames[errorIndex - 1]?.data.stop_reason);
    const error = frames[errorIndex]!.data;
    expect(error).toMatchObject({
      message_type: "error_message",
      error_type: expect.any(String),
      message: expect.any(String),
      run_id: expect.stringMatching(/^run-/),
      seq_id: expect.any(Number),
    });
    expect(frames.filter((frame) => frame.event !== undefined)).toHaveLength(1);
    expect(errorIndex).toBe(frames.length - 1);
    const run = (await t.call("GET", `/v1/runs/${error.run_id}`)).body;
    expect(run.status).toBe("failed");
  });

  it("sends to the default conversation with agent_id in the body, and re-attaches by otid", async () => {
    openai.script.push({ text: "hello from default" });
    const response = await post("/v1/conversations/default/messages", {
      agent_id: agentId,
      messages: user("hey"),
      include_pings: false,
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const chunks = messagesOf(parseFrames(await response.text()));
    expect(chunks.map((chunk) => chunk.message_type)).toEqual([
      "assistant_message",
      "stop_reason",
      "usage_statistics",
    ]);
    const again = await post("/v1/conversations/default/stream", {
      agent_id: agentId,
      otid: user("hey")[0]!.otid,
      starting_after: 1,
      include_pings: false,
    });
    const replayed = messagesOf(parseFrames(await again.text()));
    expect(replayed).toEqual(chunks.slice(1));
    const missing = await post("/v1/conversations/default/messages", { messages: user("hey") });
    expect(missing.status).toBe(422);
  });

  it("streams into a conversation's own window; the conversation cancel route stops its run", async () => {
    const conversation = (await t.call("POST", `/v1/conversations/?agent_id=${agentId}`, {})).body;
    expect(conversation.id).toMatch(/^conv-/);
    openai.script.push({ text: "never", delayMs: 5_000 });
    const response = await post(`/v1/conversations/${conversation.id}/messages`, {
      messages: user("wait"),
      include_pings: false,
    });
    const body = response.text();
    const cancelled = await t.call("POST", `/v1/conversations/${conversation.id}/cancel`);
    const [runId] = Object.keys(cancelled.body);
    expect(cancelled.body).toEqual({ [runId!]: "cancelled" });
    const chunks = messagesOf(parseFrames(await body));
    expect(chunks[0]).toMatchObject({ message_type: "stop_reason", stop_reason: "cancelled", run_id: runId });
    const run = (await t.call("GET", `/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({ conversation_id: conversation.id, status: "cancelled" });
    const other = await t.call("POST", `/v1/conversations/default/cancel?agent_id=${agentId}`);
    expect(other.body).toEqual({});
  });

  it("rebuilds the stream of a run that is not buffered from its stored messages", async () => {
    openai.script.push(replaceName, { text: "Hi Ada" });
    const sent = await t.call("POST", `/v1/agents/${agentId}/messages`, { messages: user("I am Ada") });
    const runId = sent.body.usage.run_ids[0];
    const response = await post(`/v1/runs/${runId}/stream`, { starting_after: 1, include_pings: false });
    const frames = parseFrames(await response.text());
    expect(frames.at(-1)?.data).toBe("[DONE]");
    const chunks = messagesOf(frames);
    expect(chunks.map((chunk) => [chunk.message_type, chunk.seq_id])).toEqual([
      ["tool_return_message", 2],
      ["assistant_message", 3],
      ["stop_reason", 4],
      ["usage_statistics", 5],
    ]);
    expect(chunks[3]).toMatchObject({ step_count: 2, total_tokens: sent.body.usage.total_tokens });
    expect((await post("/v1/runs/run-unknown/stream", {})).status).toBe(404);
    expect((await post(`/v1/runs/${runId}/stream`, { starting_after: -1 })).status).toBe(422);
    expect((await post(`/v1/runs/${runId}/stream`, { starting_after: 1.5 })).status).toBe(422);
  });

  describe("over a real socket", () => {
    let server: RunningServer;
    beforeEach(async () => {
      server = await startServer({ app: t.app, port: 0, closeGraceMs: 200 });
    });
    afterEach(async () => {
      await server.close();
    });

    const open = (body: Record<string, unknown>, signal: AbortSignal) =>
      fetch(`${server.url}/v1/agents/${agentId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ streaming: true, include_pings: false, ...body }),
        signal,
      });

    it("streams a slow turn to its end while the client stays", async () => {
      openai.script.push({ text: "worth the wait", delayMs: 300 });
      const response = await open({ messages: user("wait") }, new AbortController().signal);
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      const chunks = messagesOf(parseFrames(await response.text()));
      expect(chunks.map((chunk) => chunk.message_type)).toEqual([
        "assistant_message",
        "stop_reason",
        "usage_statistics",
      ]);
      expect((await t.call("GET", `/v1/runs/${chunks[0].run_id}`)).body.status).toBe("completed");
    });

    it("cancels a run whose client went away", async () => {
      openai.script.push({ text: "nobody listens", delayMs: 5_000 });
      const controller = new AbortController();
      const response = await open({ messages: user("bye") }, controller.signal);
      expect(response.status).toBe(200);
      const [run] = (await t.call("GET", `/v1/runs/?agent_id=${agentId}&active=true`)).body;
      const abortedAt = Date.now();
      controller.abort();
      const ended = await until(async () => {
        const current = (await t.call("GET", `/v1/runs/${run.id}`)).body;
        return current.completed_at === null ? undefined : current;
      });
      expect(Date.now() - abortedAt).toBeLessThan(3_000);
      expect(ended).toMatchObject({ status: "cancelled", stop_reason: "cancelled" });
    });

    it("keeps a background run going; a re-attach replays only the missed chunks", async () => {
      openai.script.push(replaceName, { text: "Welcome back, Ada.", delayMs: 300 });
      const controller = new AbortController();
      const response = await open({ messages: user("I am Ada"), background: true }, controller.signal);
      // The tool call and its return commit together (one step), so both arrive before the model's answer.
      const seen = messagesOf(await readUntil(response, (frames) => frames.length >= 2));
      controller.abort();
      expect(seen.map((chunk) => [chunk.message_type, chunk.seq_id])).toEqual([
        ["tool_call_message", 1],
        ["tool_return_message", 2],
      ]);
      const runId = seen[0].run_id;
      const reattach = async (startingAfter: number) => {
        const resumed = await fetch(`${server.url}/v1/runs/${runId}/stream/`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ starting_after: startingAfter, include_pings: false, batch_size: 1000 }),
        });
        expect(resumed.headers.get("content-type")).toBe("text/event-stream");
        return messagesOf(parseFrames(await resumed.text())).map((chunk) => [
          chunk.message_type,
          chunk.seq_id,
        ]);
      };
      // While the model is still answering: the missed chunks, then the live ones to the end.
      expect((await t.call("GET", `/v1/runs/${runId}`)).body.status).toBe("running");
      expect(await reattach(2)).toEqual([
        ["assistant_message", 3],
        ["stop_reason", 4],
        ["usage_statistics", 5],
      ]);
      const run = (await t.call("GET", `/v1/runs/${runId}`)).body;
      expect(run).toMatchObject({ status: "completed", stop_reason: "end_turn" });
      // After the end, from the buffer.
      expect(await reattach(3)).toEqual([
        ["stop_reason", 4],
        ["usage_statistics", 5],
      ]);
    });
  });
});
