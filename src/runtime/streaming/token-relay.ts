import type { Clock } from "../../domain/index.js";
import type { ModelStreamEvent } from "../../llm/providers/types.js";
import type { StepDraft } from "../agent-loop/agent-loop.js";
import type { ViewOptions } from "../messaging-service.js";
import type { ChunkBody } from "./chunks.js";

interface StartedCall {
  messageId: string;
  otid: string;
  messageType: "tool_call_message" | "approval_request_message";
  /** A `send_message`-style call shown as assistant words: sent whole when its step commits. */
  held: boolean;
}

/**
 * Turns a streamed LLM call into Letta's token deltas: successive chunks with the same `id` and `otid`
 * whose `reasoning`, `content` or tool-call `arguments` are appended by the client. The ids and otids
 * are those the committed message views will have, so the views already streamed are not sent again.
 */
export function createTokenRelay(options: {
  clock: Clock;
  view: ViewOptions;
  /** Passes a delta on (it is dropped when its type is filtered out). */
  send: (chunk: ChunkBody) => void;
}) {
  const wanted = typeWanted(options.view.include_return_message_types);
  const assistantTool = options.view.assistant_message_tool_name ?? "send_message";
  const useAssistant = options.view.use_assistant_message ?? true;
  const streamed = new Set<string>();
  let stepId: string | undefined;
  let parts: string[] = [];
  let calls = new Map<string, StartedCall>();

  /** The position of a part among the assistant message's views: its otid suffix. */
  function partIndex(key: string): number {
    const index = parts.indexOf(key);
    if (index >= 0) return index;
    parts.push(key);
    return parts.length - 1;
  }

  function emit(draft: StepDraft, messageId: string, otid: string, fields: ChunkBody): void {
    streamed.add(otid);
    if (!wanted(fields.message_type)) return;
    options.send({
      id: messageId,
      date: options.clock.now().toISOString(),
      name: null,
      otid,
      sender_id: null,
      step_id: draft.stepId,
      is_err: null,
      ...fields,
    });
  }

  function startCall(draft: StepDraft, id: string, name: string): StartedCall {
    const approval = draft.requiresApproval(name);
    const messageId = approval ? draft.approvalMessageId : draft.assistantMessageId;
    const call: StartedCall = {
      messageId,
      otid: approval ? `${messageId}-0` : `${messageId}-${partIndex(`call:${id}`)}`,
      messageType: approval ? "approval_request_message" : "tool_call_message",
      held: !approval && useAssistant && name === assistantTool,
    };
    calls.set(id, call);
    if (!call.held) {
      const delta = { name, arguments: "", tool_call_id: id };
      emit(draft, messageId, call.otid, {
        message_type: call.messageType,
        tool_call: delta,
        tool_calls: [delta],
      });
    }
    return call;
  }

  function appendArguments(draft: StepDraft, id: string, fragment: string): void {
    const call = calls.get(id);
    if (!call || call.held || fragment === "") return;
    const delta = { arguments: fragment, tool_call_id: id };
    emit(draft, call.messageId, call.otid, {
      message_type: call.messageType,
      tool_call: delta,
      tool_calls: [delta],
    });
  }

  return {
    /** The loop's `onModelEvent`. */
    onModelEvent(event: ModelStreamEvent, draft: StepDraft): void {
      if (draft.stepId !== stepId) {
        stepId = draft.stepId;
        parts = [];
        calls = new Map();
      }
      const messageId = draft.assistantMessageId;
      switch (event.type) {
        case "reasoning-delta":
          if (event.text === "") return;
          emit(draft, messageId, `${messageId}-${partIndex("reasoning")}`, {
            message_type: "reasoning_message",
            reasoning: event.text,
            source: "reasoner_model",
            signature: null,
          });
          return;
        case "text-delta":
          if (event.text === "") return;
          emit(draft, messageId, `${messageId}-${partIndex("text")}`, {
            message_type: "assistant_message",
            content: event.text,
          });
          return;
        case "tool-call-start":
          if (!calls.has(event.id)) startCall(draft, event.id, event.name);
          return;
        case "tool-call-delta":
          appendArguments(draft, event.id, event.argumentsDelta);
          return;
        case "tool-call-end":
          // A provider that gives the call whole, without a start, still streams it once.
          if (!calls.has(event.toolCall.id)) {
            startCall(draft, event.toolCall.id, event.toolCall.name);
            appendArguments(draft, event.toolCall.id, event.toolCall.arguments);
          }
          return;
        case "finish":
          return;
      }
    },
    /** Whether the view with this otid already went out as deltas. */
    wasStreamed(otid: string | null): boolean {
      return otid !== null && streamed.has(otid);
    },
  };
}

export type TokenRelay = ReturnType<typeof createTokenRelay>;

function typeWanted(types: string[] | null | undefined): (messageType: string) => boolean {
  if (!types || types.length === 0) return () => true;
  const wanted = new Set(types.map((type) => (type.endsWith("_message") ? type : `${type}_message`)));
  return (messageType) => wanted.has(messageType);
}
