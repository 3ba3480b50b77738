import { z } from "zod";
import type { Message, ToolCall } from "./message.js";

/** Fields every Letta message view shares; one stored message fans out into views with the same `id`. */
const ViewBase = {
  id: z.string(),
  date: z.string(),
  name: z.string().nullable(),
  otid: z.string().nullable(),
  sender_id: z.string().nullable(),
  step_id: z.string().nullable(),
  run_id: z.string().nullable(),
  is_err: z.boolean().nullable(),
  seq_id: z.number().int().nullable().optional(),
};

export const ToolCallViewSchema = z.object({
  name: z.string(),
  arguments: z.string(),
  tool_call_id: z.string(),
});

const ToolReturnViewSchema = z.object({
  tool_call_id: z.string(),
  status: z.enum(["success", "error"]),
  tool_return: z.string(),
  stdout: z.array(z.string()).nullable().optional(),
  stderr: z.array(z.string()).nullable().optional(),
});

/** Letta's `LettaMessage` union as the list endpoints and streams return it. */
export const LettaMessageSchema = z.discriminatedUnion("message_type", [
  z.object({ ...ViewBase, message_type: z.literal("system_message"), content: z.string() }),
  z.object({
    ...ViewBase,
    message_type: z.literal("user_message"),
    content: z.union([z.string(), z.array(z.unknown())]),
  }),
  z.object({ ...ViewBase, message_type: z.literal("assistant_message"), content: z.string() }),
  z.object({
    ...ViewBase,
    message_type: z.literal("reasoning_message"),
    reasoning: z.string(),
    source: z.enum(["reasoner_model", "non_reasoner_model"]),
    signature: z.string().nullable(),
  }),
  z.object({
    ...ViewBase,
    message_type: z.literal("hidden_reasoning_message"),
    state: z.enum(["redacted", "omitted"]),
    hidden_reasoning: z.string().nullable(),
  }),
  z.object({
    ...ViewBase,
    message_type: z.literal("tool_call_message"),
    tool_call: ToolCallViewSchema,
    tool_calls: z.array(ToolCallViewSchema),
  }),
  z.object({
    ...ViewBase,
    message_type: z.literal("tool_return_message"),
    ...ToolReturnViewSchema.shape,
    tool_returns: z.array(ToolReturnViewSchema),
  }),
  z.object({
    ...ViewBase,
    message_type: z.literal("approval_request_message"),
    tool_call: ToolCallViewSchema,
    tool_calls: z.array(ToolCallViewSchema),
  }),
  z.object({
    ...ViewBase,
    message_type: z.literal("approval_response_message"),
    approvals: z.array(z.unknown()),
    approve: z.boolean().nullable(),
    approval_request_id: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  z.object({ ...ViewBase, message_type: z.literal("summary_message"), summary: z.string() }),
]);
export type LettaMessage = z.infer<typeof LettaMessageSchema>;
export type LettaMessageType = LettaMessage["message_type"];

export interface MessageViewOptions {
  /** Show a legacy `send_message` call as an `assistant_message` (Letta's `use_assistant_message`, default true). */
  useAssistantMessage?: boolean;
  /** The tool whose calls are the assistant's words (default `send_message`). */
  assistantMessageToolName?: string;
  /** The argument holding the words (default `message`). */
  assistantMessageToolKwarg?: string;
}

function toolCallView(call: ToolCall) {
  return { name: call.function.name, arguments: call.function.arguments, tool_call_id: call.id };
}

function textOf(message: Message): string {
  return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
}

/** The words of a `send_message`-style call, or undefined if the arguments are not usable. */
function assistantWords(call: ToolCall, kwarg: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(call.function.arguments);
    const words =
      parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>)[kwarg] : undefined;
    return typeof words === "string" ? words : undefined;
  } catch {
    return undefined;
  }
}

/** Derives Letta's message views from one stored message, in the order Letta emits them. */
export function toLettaMessages(message: Message, options: MessageViewOptions = {}): LettaMessage[] {
  const useAssistant = options.useAssistantMessage ?? true;
  const assistantTool = options.assistantMessageToolName ?? "send_message";
  const kwarg = options.assistantMessageToolKwarg ?? "message";
  const views: LettaMessage[] = [];
  const base = (index: number) => ({
    id: message.id,
    date: message.created_at,
    name: message.name,
    otid: message.otid ?? `${message.id}-${index}`,
    sender_id: message.sender_id,
    step_id: message.step_id,
    run_id: message.run_id,
    is_err: message.is_err,
  });

  switch (message.role) {
    case "system":
      views.push({ ...base(0), message_type: "system_message", content: textOf(message) });
      break;
    case "user": {
      const [only] = message.content;
      const content = message.content.length === 1 && only?.type === "text" ? only.text : message.content;
      views.push({ ...base(0), message_type: "user_message", content });
      break;
    }
    case "summary":
      views.push({ ...base(0), message_type: "summary_message", summary: textOf(message) });
      break;
    case "assistant": {
      for (const part of message.content) {
        const index = views.length;
        if (part.type === "reasoning") {
          views.push({
            ...base(index),
            message_type: "reasoning_message",
            reasoning: part.reasoning,
            source: part.is_native ? "reasoner_model" : "non_reasoner_model",
            signature: part.signature ?? null,
          });
        } else if (part.type === "redacted_reasoning" || part.type === "omitted_reasoning") {
          views.push({
            ...base(index),
            message_type: "hidden_reasoning_message",
            state: part.type === "redacted_reasoning" ? "redacted" : "omitted",
            hidden_reasoning: part.type === "redacted_reasoning" ? part.data : null,
          });
        } else if (part.type === "text") {
          views.push({ ...base(index), message_type: "assistant_message", content: part.text });
        }
      }
      const calls = message.tool_calls ?? [];
      for (const call of calls) {
        const index = views.length;
        const words =
          useAssistant && call.function.name === assistantTool ? assistantWords(call, kwarg) : undefined;
        if (words !== undefined) {
          views.push({ ...base(index), message_type: "assistant_message", content: words });
        } else {
          views.push({
            ...base(index),
            message_type: "tool_call_message",
            tool_call: toolCallView(call),
            tool_calls: calls.map(toolCallView),
          });
        }
      }
      break;
    }
    case "tool": {
      const returns = (message.tool_returns ?? []).map((item) => ({
        tool_call_id: item.tool_call_id,
        status: item.status,
        tool_return: item.func_response,
        stdout: item.stdout ?? null,
        stderr: item.stderr ?? null,
      }));
      const [first] = returns;
      // A send_message return is an implementation detail once the call is shown as assistant words.
      if (!first || (useAssistant && message.name === assistantTool)) break;
      views.push({ ...base(0), message_type: "tool_return_message", ...first, tool_returns: returns });
      break;
    }
    case "approval": {
      const calls = message.tool_calls ?? [];
      const [firstCall] = calls;
      if (firstCall) {
        views.push({
          ...base(0),
          message_type: "approval_request_message",
          tool_call: toolCallView(firstCall),
          tool_calls: calls.map(toolCallView),
        });
      } else {
        const approvals = message.approvals ?? [];
        const [decision] = approvals;
        views.push({
          ...base(0),
          message_type: "approval_response_message",
          approvals,
          approve: decision?.type === "approval" ? decision.approve : null,
          approval_request_id: decision?.tool_call_id ?? null,
          reason: decision?.type === "approval" ? (decision.reason ?? null) : null,
        });
      }
      break;
    }
  }
  return views;
}
