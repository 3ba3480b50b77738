import {
  type LettaMessage,
  type LettaResponse,
  type Run,
  type SendMessageRequest,
  type StopReason,
  StopReasonSchema,
} from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { requestMessages } from "../messaging-service.js";
import { usageOfRun } from "../run-usage.js";
import type { StreamChunk } from "./chunks.js";

/** The offline threading ids (otids) a request's messages carry: the client's ids for its input. */
export function inputOtids(body: SendMessageRequest): string[] {
  if (!body.messages || body.messages.length === 0) return [];
  return requestMessages(body).flatMap((message) => (message.otid ? [message.otid] : []));
}

/**
 * The run an earlier send of the same input started in this window (matched by its messages' otids,
 * which a client reuses when it retries), when that run is going on or completed: the repeat re-attaches
 * to it instead of running the turn twice. After a failed or cancelled run the repeat is a real retry.
 */
export async function repeatedRun(
  store: Store,
  target: { agentId: string; conversationId: string | null },
  body: SendMessageRequest,
): Promise<Run | undefined> {
  const otids = inputOtids(body);
  if (otids.length === 0) return undefined;
  const [earlier] = await store.messages.list({
    agent_id: target.agentId,
    conversation_id: target.conversationId,
    otids,
    order: "desc",
    limit: 1,
  });
  const run = earlier?.run_id ? await store.runs.get(earlier.run_id) : undefined;
  if (run === undefined || run.status === "failed" || run.status === "cancelled") return undefined;
  return run;
}

/** A run's whole stream as the JSON answer of a send: its messages, why it stopped, its usage. */
export async function responseOfStream(
  store: Store,
  runId: string,
  chunks: AsyncIterable<StreamChunk>,
): Promise<LettaResponse> {
  const messages: LettaMessage[] = [];
  let stopReason: StopReason = "error";
  let usage: LettaResponse["usage"] | undefined;
  for await (const { run_id: _run, seq_id: _seq, ...chunk } of chunks) {
    if (chunk.message_type === "stop_reason") {
      stopReason = StopReasonSchema.catch("error").parse(chunk.stop_reason);
    } else if (chunk.message_type === "usage_statistics") {
      usage = chunk as unknown as LettaResponse["usage"];
    } else if (chunk.message_type !== "ping" && chunk.message_type !== "error_message") {
      messages.push(chunk as unknown as LettaMessage);
    }
  }
  return {
    messages,
    stop_reason: { message_type: "stop_reason", stop_reason: stopReason },
    usage: usage ?? (await usageOfRun(store, runId)),
  };
}
