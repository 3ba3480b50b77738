import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Letta from "@letta-ai/letta-client";
import type { AgentState } from "@letta-ai/letta-client/resources/agents/agents";
import type { LettaStreamingResponse } from "@letta-ai/letta-client/resources/agents/messages";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

/** One real `reverie server` process on a temp home, a fake OpenAI and the official client. */
export interface Conformance {
  home: string;
  openai: FakeLlmServer;
  server: ServerProcess;
  client: Letta;
  close(): Promise<void>;
}

export async function startConformance(): Promise<Conformance> {
  const home = mkdtempSync(join(tmpdir(), "reverie-conformance-"));
  const openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  const server = await startServerProcess({
    REVERIE_HOME: home,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: openai.url,
  });
  const client = new Letta({ baseURL: server.url, apiKey: null, maxRetries: 0 });
  return {
    home,
    openai,
    server,
    client,
    async close() {
      await server.stop();
      await openai.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** A fresh agent on the fake model. */
export function createAgent(client: Letta, extra: Record<string, unknown> = {}): Promise<AgentState> {
  counter++;
  return client.agents.create({
    name: `conformance-${counter}`,
    model: "openai/gpt-4o-mini",
    memory_blocks: [
      { label: "persona", value: "I am a test agent." },
      { label: "human", value: "The user runs a conformance suite." },
    ],
    ...extra,
  });
}

/** Drains a stream into an array. */
export async function collect(
  stream: AsyncIterable<LettaStreamingResponse>,
): Promise<LettaStreamingResponse[]> {
  const chunks: LettaStreamingResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Walks a page iterator, failing if it does not stop within `max` items. */
export async function walk<T>(iterable: AsyncIterable<T>, max = 500): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
    if (items.length > max) throw new Error(`paging did not terminate after ${max} items`);
  }
  return items;
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reassembles token-streamed chunks: chunks sharing an `id` and `message_type` are deltas to append. */
export function reassemble(chunks: LettaStreamingResponse[]): Map<string, { type: string; text: string }> {
  const byId = new Map<string, { type: string; text: string }>();
  for (const chunk of chunks) {
    if (!("id" in chunk) || typeof chunk.id !== "string") continue;
    const key = `${chunk.message_type}:${chunk.id}`;
    const entry = byId.get(key) ?? { type: String(chunk.message_type), text: "" };
    if (chunk.message_type === "assistant_message" && typeof chunk.content === "string")
      entry.text += chunk.content;
    if (chunk.message_type === "reasoning_message") entry.text += chunk.reasoning;
    byId.set(key, entry);
  }
  return byId;
}

/** The `message_type`s of the client's `LettaStreamingResponse` union. */
export const STREAM_CHUNK_TYPES = new Set([
  "system_message",
  "user_message",
  "reasoning_message",
  "hidden_reasoning_message",
  "tool_call_message",
  "tool_return_message",
  "assistant_message",
  "approval_request_message",
  "approval_response_message",
  "ping",
  "error_message",
  "stop_reason",
  "usage_statistics",
]);

/** Every chunk is an object of the client's typed union; message chunks carry id, run_id and seq_id. */
export function expectTypedChunks(chunks: LettaStreamingResponse[]): void {
  for (const chunk of chunks) {
    if (typeof chunk !== "object" || chunk === null)
      throw new Error(`untyped chunk: ${JSON.stringify(chunk)}`);
    if (!STREAM_CHUNK_TYPES.has(String(chunk.message_type))) {
      throw new Error(`unknown chunk type: ${JSON.stringify(chunk)}`);
    }
    const type = String(chunk.message_type);
    if (type.endsWith("_message") && type !== "error_message") {
      const message = chunk as { id?: unknown; run_id?: unknown; seq_id?: unknown; date?: unknown };
      if (
        typeof message.id !== "string" ||
        typeof message.run_id !== "string" ||
        typeof message.seq_id !== "number"
      ) {
        throw new Error(`message chunk without id/run_id/seq_id: ${JSON.stringify(chunk)}`);
      }
    }
  }
}
