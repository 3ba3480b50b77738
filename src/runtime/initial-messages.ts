import {
  type AgentRecord,
  type IdGenerator,
  type MessageContent,
  MessageCreateSchema,
  type NewMessage,
  newMessageRecord,
  ReverieError,
} from "../domain/index.js";

/** Turns `initial_message_sequence` entries into messages that follow the system message of a new agent. */
export function initialMessages(
  sequence: readonly unknown[],
  agent: AgentRecord,
  now: string,
  ids: IdGenerator,
): NewMessage[] {
  return sequence.map((entry, index) => {
    const parsed = MessageCreateSchema.safeParse(entry);
    if (!parsed.success) {
      throw new ReverieError(
        "validation",
        `initial_message_sequence[${index}]: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "message"}: ${issue.message}`).join("; ")}`,
      );
    }
    const content: MessageContent[] =
      typeof parsed.data.content === "string"
        ? [{ type: "text", text: parsed.data.content }]
        : (parsed.data.content as MessageContent[]);
    return newMessageRecord({
      id: ids.next("message"),
      agent_id: agent.id,
      role: parsed.data.role,
      content,
      name: parsed.data.name ?? null,
      otid: parsed.data.otid ?? null,
      sender_id: parsed.data.sender_id ?? null,
      created_at: now,
    });
  });
}
