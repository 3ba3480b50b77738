import { expect } from "vitest";
import type { Message } from "../../src/domain/index.js";
import type { Store } from "../../src/store/store.js";
import type { FakeLlmServer, RecordedRequest } from "../fake-llm/index.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests.
export type JsonBody = any;

/** The completion requests a fake provider received, oldest first. */
export function completions(server: FakeLlmServer): RecordedRequest[] {
  return server.requests.filter((request) => request.endpoint === "completion");
}

/** The `message_type`s of a list of Letta message views. */
export function viewTypes(messages: ReadonlyArray<{ message_type: string }>): string[] {
  return messages.map((message) => message.message_type);
}

/** Every stored message of an agent (all conversations), oldest first. */
export function storedMessages(store: Store, agentId: string): Promise<Message[]> {
  return store.messages.list({ agent_id: agentId, order: "asc", limit: 10_000 });
}

/** The agent's in-context window as stored: its messages in window order. */
export async function storedWindow(store: Store, agentId: string): Promise<Message[]> {
  const agent = await store.agents.get(agentId);
  if (!agent) throw new Error(`no agent ${agentId}`);
  const messages = await store.messages.getMany(agent.message_ids);
  expect(messages.map((message) => message.id)).toEqual(agent.message_ids);
  return messages;
}

/**
 * Asserts what the model will be shown is well formed: no message twice, the system message first, and
 * every tool call answered by a tool return later in the window (only a pending approval request, the
 * last message, may wait for its answer).
 */
export async function expectConsistentWindow(store: Store, agentId: string): Promise<Message[]> {
  const window = await storedWindow(store, agentId);
  const ids = window.map((message) => message.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(window[0]?.role).toBe("system");
  expect(window.filter((message) => message.role === "system")).toHaveLength(1);
  const answered = new Set(
    window.flatMap((message) => (message.tool_returns ?? []).map((item) => item.tool_call_id)),
  );
  window.forEach((message, index) => {
    const pendingRequest = message.role === "approval" && index === window.length - 1;
    if (pendingRequest) return;
    for (const call of message.tool_calls ?? []) {
      expect(answered.has(call.id), `tool call ${call.id} (${call.function.name}) has no return`).toBe(true);
    }
  });
  return window;
}

/** Waits until `condition` holds, polling every 20 ms; fails after `timeoutMs` (generous: CI is slow). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
