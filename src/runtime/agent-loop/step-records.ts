import {
  type AgentRecord,
  type Clock,
  type IdGenerator,
  type MessageContent,
  type NewMessage,
  newMessageRecord,
  type Step,
  type ToolCall,
  type ToolReturn,
} from "../../domain/index.js";
import { LlmError } from "../../llm/providers/llm-error.js";
import type { ModelResponse } from "../../llm/providers/types.js";
import type { WindowOwner } from "./context-window.js";
import { stopFor } from "./turn-outcome.js";
import type { StepNotice } from "./turn-policy.js";

/** What every record of a turn is stamped with. */
export interface TurnRecordContext {
  agent: AgentRecord;
  owner: WindowOwner;
  runId: string;
  clock: Clock;
  ids: IdGenerator;
}

/** A new message of the turn's window, stamped now. */
export function turnMessage(
  context: TurnRecordContext,
  fields: Partial<NewMessage> & Pick<NewMessage, "role">,
): NewMessage {
  const { agent, owner, clock, ids } = context;
  return newMessageRecord({
    id: ids.next("message"),
    agent_id: agent.id,
    conversation_id: owner.kind === "conversation" ? owner.conversation.id : null,
    created_at: clock.now().toISOString(),
    ...fields,
  });
}

/**
 * The step row: its model and provider from the agent's config, its usage from the response; a step
 * whose LLM call failed records zero usage and why it failed.
 */
export function stepRow(
  context: TurnRecordContext,
  stepId: string,
  result: { response: ModelResponse } | { error: unknown },
): Step {
  const config = context.agent.llm_config;
  const usage = "response" in result ? result.response.usage : undefined;
  const error = "error" in result ? result.error : undefined;
  const failed = "error" in result;
  return {
    id: stepId,
    agent_id: context.agent.id,
    run_id: context.runId,
    status: failed ? "failed" : "success",
    model: config.model,
    model_handle: config.handle ?? ("response" in result ? result.response.model : null),
    model_endpoint: config.model_endpoint ?? null,
    provider_name: config.provider_name ?? config.model_endpoint_type,
    provider_category: config.provider_category ?? "base",
    context_window_limit: config.context_window,
    prompt_tokens: usage?.promptTokens ?? 0,
    completion_tokens: usage?.completionTokens ?? 0,
    total_tokens: usage?.totalTokens ?? 0,
    cached_input_tokens: usage?.cachedInputTokens ?? null,
    cache_write_tokens: usage?.cacheWriteTokens ?? null,
    reasoning_tokens: usage?.reasoningTokens ?? null,
    stop_reason: failed ? stopFor(error) : null,
    error_type: !failed
      ? null
      : error instanceof LlmError
        ? error.kind
        : error instanceof Error
          ? error.name
          : "error",
    error_data: failed ? { message: error instanceof Error ? error.message : String(error) } : null,
    feedback: null,
    tags: [],
    trace_id: null,
    created_at: context.clock.now().toISOString(),
  };
}

/** The content parts of a response: native reasoning first, then text. */
export function responseContent(response: ModelResponse): MessageContent[] {
  const content: MessageContent[] = [];
  if (response.reasoning) {
    content.push({
      type: "reasoning",
      reasoning: response.reasoning,
      is_native: true,
      signature: response.reasoningSignature ?? null,
    });
  }
  if (response.text) content.push({ type: "text", text: response.text });
  return content;
}

/** The response's tool calls, each with an id (made up for providers that send none). */
export function responseToolCalls(response: ModelResponse, ids: IdGenerator): ToolCall[] {
  return response.toolCalls.map((call) => ({
    id: call.id || `call_${ids.next("tool").slice(5, 29)}`,
    type: "function" as const,
    function: { name: call.name, arguments: call.arguments },
  }));
}

/** The messages one step writes, all stamped with its step id. */
export function stepMessages(context: TurnRecordContext, stepId: string, model: string | null = null) {
  const inStep = (fields: Partial<NewMessage> & Pick<NewMessage, "role">) =>
    turnMessage(context, { run_id: context.runId, step_id: stepId, ...fields });
  return {
    /** What the model said, with the calls the server runs. */
    assistant: (id: string, content: MessageContent[], toolCalls: ToolCall[] | null) =>
      inStep({ id, role: "assistant", content, tool_calls: toolCalls, model }),
    /** The server-side calls' results, in one tool message. */
    toolReturns: (name: string | null, returns: readonly ToolReturn[]) =>
      inStep({
        role: "tool",
        name,
        tool_call_id: returns[0]?.tool_call_id ?? null,
        tool_returns: [...returns],
      }),
    /** Calls waiting for the client: its approval, or a client tool's result. */
    approvalRequest: (id: string, toolCalls: ToolCall[]) =>
      inStep({ id, role: "approval", tool_calls: toolCalls, model }),
    /** The hidden message that tells the model why it runs again. */
    notice: (notice: StepNotice) =>
      inStep({ role: "user", content: [{ type: "text", text: noticeText(notice, context.clock) }] }),
  };
}

function noticeText(notice: StepNotice, clock: Clock): string {
  const hidden = "[This is an automated system message hidden from the user]";
  if (notice.kind === "required_tools") {
    return `${hidden} ToolRuleViolated: You must call ${notice.tools.join(", ")} at least once to exit the loop.`;
  }
  return JSON.stringify({
    type: "heartbeat",
    reason: `${hidden} ${notice.reason}`,
    time: clock.now().toISOString(),
  });
}
