import type { NewMessage } from "../../src/domain/index.js";
import type { Store } from "../../src/store/store.js";

const WORDS = (
  "memory agent garden river coffee project deadline meeting travel music book recipe weather " +
  "invoice birthday family train budget painting server database running holiday letter doctor " +
  "python guitar market island winter summer museum report contract puzzle camera bicycle"
).split(" ");

/** A sentence of `count` words picked by `seed`, so every message has different searchable text. */
function sentence(seed: number, count: number): string {
  const words: string[] = [];
  let state = seed * 2654435761;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    words.push(WORDS[state % WORDS.length] ?? "memory");
  }
  return `${words.join(" ")}.`;
}

/**
 * Appends `count` alternating user/assistant messages to the agent's default conversation, in
 * transactions of `batchSize`, one second apart ending `count` seconds before now. Returns the ids in
 * order (the caller picks the in-context tail).
 */
export async function seedHistory(
  store: Store,
  agentId: string,
  count: number,
  batchSize = 1000,
): Promise<string[]> {
  const ids: string[] = [];
  const start = Date.now() - count * 1000;
  for (let offset = 0; offset < count; offset += batchSize) {
    const batch: NewMessage[] = [];
    for (let i = offset; i < Math.min(count, offset + batchSize); i++) {
      const role = i % 2 === 0 ? "user" : "assistant";
      batch.push({
        id: `message-${crypto.randomUUID()}`,
        agent_id: agentId,
        conversation_id: null,
        role,
        content: [{ type: "text", text: sentence(i, role === "user" ? 12 : 30) }],
        name: null,
        tool_calls: null,
        tool_call_id: null,
        tool_returns: null,
        approvals: null,
        otid: null,
        sender_id: null,
        group_id: null,
        run_id: null,
        step_id: null,
        model: role === "assistant" ? "openai/gpt-4o-mini" : null,
        is_err: null,
        created_at: new Date(start + i * 1000).toISOString(),
      });
    }
    const stored = await store.transaction((tx) => tx.messages.append(batch));
    for (const message of stored) ids.push(message.id);
  }
  return ids;
}
