import {
  type AgentRecord,
  type ClientTool,
  type Clock,
  type IdGenerator,
  type LettaUsage,
  type Message,
  type MessageContent,
  type MessageInput,
  type NewMessage,
  newMessageRecord,
  notFound,
  ReverieError,
  type Run,
  type StopReason,
  type ToolReturn,
} from "../../domain/index.js";
import { LlmError } from "../../llm/providers/llm-error.js";
import type {
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ModelStreamEvent,
  ToolDefinition,
} from "../../llm/providers/types.js";
import type { Store } from "../../store/store.js";
import { ToolRuleSolver } from "../tool-rules/solver.js";
import { MEMORY_EDITING_TOOLS } from "../tools/builtin-executor.js";
import type { EmbedTexts } from "../tools/search-tools.js";
import { denialText, toChatMessages } from "./chat-messages.js";
import {
  type ContextWindow,
  compileSystemPrompt,
  loadContextWindow,
  saveWindowIds,
  type WindowOwner,
} from "./context-window.js";
import { type StepDraft, streamResponse } from "./model-call.js";
import {
  HEARTBEAT_AGENT_TYPES,
  type PlannedCall,
  packageToolResponse,
  planCall,
  toolDefinitions,
} from "./tool-calls.js";
import {
  matchApprovals,
  normalizeTurnInput,
  PENDING_APPROVAL_DETAIL,
  pendingApproval,
  type TurnInput,
} from "./turn-input.js";
import { type TurnLocks, turnKey } from "./turn-locks.js";
import { addUsage, emptyUsage, runStatusFor, stopFor } from "./turn-outcome.js";

export type { StepDraft } from "./model-call.js";

export const DEFAULT_MAX_STEPS = 50;

export interface AgentLoopDeps {
  store: Store;
  provider: ModelProvider;
  clock: Clock;
  ids: IdGenerator;
  locks: TurnLocks;
  /** The agent's embedder for archival tools; absent means text search only. */
  embedderFor?: ((agent: AgentRecord) => EmbedTexts | undefined) | undefined;
  /**
   * Runs before each LLM call with the tools it carries; may compact the window (summarization). Runs
   * again with `overflow` when the provider refused the call as too long, before the call is retried.
   */
  beforeModelCall?: ((turn: TurnState, call: ModelCallContext) => Promise<void>) | undefined;
  /**
   * Run inside the transaction that finishes each turn (after its run is marked finished), so work they
   * enqueue (sleep-time consolidation, embedding new messages) commits together with the turn.
   */
  afterTurn?: readonly AfterTurnHook[] | undefined;
}

/** What a finished turn hands to the {@link AgentLoopDeps.afterTurn} hooks. */
export interface FinishedTurn {
  agent: AgentRecord;
  run: Run;
  stopReason: StopReason;
  /** The default conversation is null. */
  conversationId: string | null;
  /** Messages the turn produced, its input excluded. */
  messages: readonly Message[];
}

export type AfterTurnHook = (tx: Store, turn: FinishedTurn) => Promise<void>;

export interface TurnRequest {
  agentId: string;
  conversationId?: string | null | undefined;
  messages: readonly MessageInput[];
  maxSteps?: number | undefined;
  /** Token budget of the turn: once its steps used this many, it stops with `max_tokens_exceeded`. */
  maxTokens?: number | undefined;
  clientTools?: readonly ClientTool[] | undefined;
  /** A run created beforehand (async requests); otherwise the turn creates one. */
  runId?: string | undefined;
  background?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** Called with each message as soon as it is committed (streaming relays these). */
  onMessage?: ((message: Message) => void) | undefined;
  /** Called once the run is recorded as running (after the request was found valid). */
  onStart?: ((run: Run) => void) | undefined;
  /** When set, each LLM call is streamed and its events are relayed here (token streaming). */
  onModelEvent?: ((event: ModelStreamEvent, draft: StepDraft) => void) | undefined;
}

export interface TurnResult {
  run: Run;
  /** Messages the turn produced (its input excluded), in order. */
  messages: Message[];
  stopReason: StopReason;
  usage: LettaUsage;
}

/** The mutable state of a running turn, shared with hooks such as the summarizer. */
export interface TurnState {
  agent: AgentRecord;
  window: ContextWindow;
  runId: string;
  /** Token count the last LLM call reported for its prompt. */
  lastPromptTokens: number;
}

/** What the next LLM call will carry besides the window, for the `beforeModelCall` hook. */
export interface ModelCallContext {
  tools: readonly ToolDefinition[];
  /** The provider's refusal of the previous attempt as too long for the context window. */
  overflow?: LlmError | undefined;
}

/** Retries of one LLM call after the provider found it too long and the window was compacted. */
const MAX_OVERFLOW_RETRIES = 2;

/** The agent loop: one call runs one turn of one agent, step by step, each step one transaction. */
export function createAgentLoop(deps: AgentLoopDeps) {
  const { store, clock, ids } = deps;

  function newMessage(
    agent: AgentRecord,
    owner: WindowOwner,
    fields: Partial<NewMessage> & Pick<NewMessage, "role">,
  ): NewMessage {
    return newMessageRecord({
      id: ids.next("message"),
      agent_id: agent.id,
      conversation_id: owner.kind === "conversation" ? owner.conversation.id : null,
      created_at: clock.now().toISOString(),
      ...fields,
    });
  }

  async function resolveOwner(request: TurnRequest): Promise<{ agent: AgentRecord; owner: WindowOwner }> {
    const agent = await store.agents.get(request.agentId);
    if (!agent) throw notFound("Agent", request.agentId);
    const conversationId = request.conversationId;
    if (!conversationId || conversationId === "default")
      return { agent, owner: { kind: "agent", agentId: agent.id } };
    const conversation = await store.conversations.get(conversationId);
    if (!conversation || conversation.agent_id !== agent.id) throw notFound("Conversation", conversationId);
    return { agent, owner: { kind: "conversation", conversation } };
  }

  /** Runs one turn to its stop reason. Throws only for bad requests (4xx); failures become stop reasons. */
  async function runTurn(request: TurnRequest): Promise<TurnResult> {
    const input = normalizeTurnInput(request.messages);
    const runId = request.runId ?? ids.next("run");
    const conversationId =
      request.conversationId && request.conversationId !== "default" ? request.conversationId : null;
    // Loading the agent and taking the turn lock (a database round trip on PostgreSQL) overlap.
    const [resolved, locked] = await Promise.allSettled([
      resolveOwner(request),
      deps.locks.acquire(turnKey(request.agentId, conversationId), runId),
    ]);
    if (resolved.status === "rejected") {
      if (locked.status === "fulfilled") await locked.value.release();
      throw resolved.reason;
    }
    if (locked.status === "rejected") throw locked.reason;
    const { agent, owner } = resolved.value;
    const lease = locked.value;
    const started = clock.now();
    try {
      const window = await loadContextWindow(store, agent, owner, { clock, ids });
      const pending = pendingApproval(window.messages);
      if (input.kind === "messages" && pending) {
        throw new ReverieError("pending_approval", PENDING_APPROVAL_DETAIL, {
          details: { pending_request_id: pending.id },
        });
      }
      if (input.kind === "approvals" && !pending) {
        throw new ReverieError(
          "conflict",
          "Invalid tool call ids: no tool call is awaiting approval (it may have been answered already)",
        );
      }
      const decisions = input.kind === "approvals" && pending ? matchApprovals(pending, input.approvals) : [];

      const run = await startRun(request, runId, agent, owner, window, input);
      request.onStart?.(run);
      const state: TurnState = { agent, window, runId, lastPromptTokens: 0 };
      const produced: Message[] = [];
      const emit = (messages: readonly Message[]) => {
        for (const message of messages) {
          produced.push(message);
          request.onMessage?.(message);
        }
      };

      const usage = emptyUsage(runId);
      let stopReason: StopReason;
      let failure: unknown;
      try {
        const answered =
          input.kind === "approvals" && pending
            ? await answerApprovals(state, pending, decisions, input, emit)
            : undefined;
        stopReason = answered ?? (await steps(state, request, usage, emit));
      } catch (error) {
        failure = error;
        stopReason = stopFor(error);
      }
      // A cancelled request stays cancelled, whatever the step in flight went on to do.
      if (request.signal?.aborted && stopReason !== "cancelled") {
        stopReason = "cancelled";
        failure = undefined;
      }
      const finished = await finishRun(run, agent, stopReason, started, failure, {
        conversationId,
        messages: produced,
      });
      return { run: finished, messages: produced, stopReason, usage };
    } finally {
      await lease.release();
    }
  }

  /**
   * Creates the run and records the user's new messages at once, so they are never lost. Approval
   * decisions are recorded later, in one transaction with the results they produce.
   */
  async function startRun(
    request: TurnRequest,
    runId: string,
    agent: AgentRecord,
    owner: WindowOwner,
    window: ContextWindow,
    input: TurnInput,
  ): Promise<Run> {
    const now = clock.now().toISOString();
    return store.transaction(async (tx) => {
      const existing = request.runId ? await tx.runs.get(request.runId) : undefined;
      const run = existing
        ? ((await tx.runs.update(existing.id, { status: "running" })) as Run)
        : await tx.runs.create({
            id: runId,
            agent_id: agent.id,
            conversation_id: owner.kind === "conversation" ? owner.conversation.id : null,
            status: "running",
            stop_reason: null,
            background: request.background ?? null,
            run_type: "send_message",
            request_config: { max_steps: request.maxSteps ?? DEFAULT_MAX_STEPS },
            metadata: null,
            callback_url: null,
            created_at: now,
            completed_at: null,
            total_duration_ns: null,
            ttft_ns: null,
          });
      const records: NewMessage[] =
        input.kind === "messages"
          ? input.messages.map((message) =>
              newMessage(agent, owner, {
                role: message.role,
                content: message.content,
                otid: message.otid,
                name: message.name,
                sender_id: message.sender_id,
                run_id: runId,
              }),
            )
          : [];
      const stored = await tx.messages.append(records);
      window.messages.push(...stored);
      await saveWindowIds(
        tx,
        owner,
        window.messages.map((message) => message.id),
        now,
      );
      return run;
    });
  }

  /**
   * Executes approved calls, turns denials into error results and records client tools' returns. The
   * decisions and their results commit together: a crash in between leaves the request pending, never
   * a decided call without its result. Returns the stop reason when an executed call ends the turn.
   */
  async function answerApprovals(
    state: TurnState,
    pending: Message,
    decisions: ReturnType<typeof matchApprovals>,
    input: Extract<TurnInput, { kind: "approvals" }>,
    emit: (messages: readonly Message[]) => void,
  ): Promise<StopReason | undefined> {
    const { agent } = state;
    const tools = new Map((await store.tools.listForAgent(agent.id)).map((tool) => [tool.name, tool]));
    const planned: Array<PlannedCall | ToolReturn> = [];
    for (const { call, decision } of decisions) {
      if (decision.type === "tool") {
        const text =
          typeof decision.tool_return === "string"
            ? decision.tool_return
            : JSON.stringify(decision.tool_return);
        planned.push({
          tool_call_id: call.id,
          status: decision.status,
          func_response: text,
          stdout: decision.stdout ?? null,
          stderr: decision.stderr ?? null,
        });
      } else if (!decision.approve) {
        planned.push({
          tool_call_id: call.id,
          status: "error",
          func_response: packageToolResponse(false, denialText(decision.reason), clock.now(), agent.timezone),
        });
      } else {
        planned.push(
          await planCall(call, {
            tools,
            allowed: [...tools.keys()],
            prefilled: new Map(),
            context: { store, agent, runId: state.runId, clock, ids, embed: deps.embedderFor?.(agent) },
          }),
        );
      }
    }
    const stepId = ids.next("step");
    const stored = await store.transaction(async (tx) => {
      const returns: ToolReturn[] = [];
      for (const item of planned) returns.push("run" in item ? (await item.run(tx)).toolReturn : item);
      // The decisions as matched to the calls (a legacy decision names the request, not its calls).
      const decisionMessage = newMessage(agent, state.window.owner, {
        role: "approval",
        approvals: decisions.map(({ decision }) => decision),
        otid: input.otid,
        run_id: state.runId,
      });
      const toolMessage = newMessage(agent, state.window.owner, {
        role: "tool",
        name: pending.tool_calls?.[0]?.function.name ?? null,
        tool_call_id: returns[0]?.tool_call_id ?? null,
        tool_returns: returns,
        run_id: state.runId,
        step_id: stepId,
      });
      const messages = await tx.messages.append([decisionMessage, toolMessage]);
      state.window.messages.push(...messages);
      await saveWindowIds(
        tx,
        state.window.owner,
        state.window.messages.map((message) => message.id),
        clock.now().toISOString(),
      );
      return messages.slice(1);
    });
    emit(stored);
    // An approved call to a terminal tool ends the turn, as it would have without the pause.
    const solver = new ToolRuleSolver(agent.tool_rules);
    const executed = planned.filter((item): item is PlannedCall => "run" in item);
    if (!executed.some((item) => solver.isTerminal(item.call.function.name))) return undefined;
    const heartbeat = executed.some((item) => item.requestHeartbeat === true);
    return HEARTBEAT_AGENT_TYPES.has(agent.agent_type) && !heartbeat ? "end_turn" : "tool_rule";
  }

  async function steps(
    state: TurnState,
    request: TurnRequest,
    usage: LettaUsage,
    emit: (messages: readonly Message[]) => void,
  ): Promise<StopReason> {
    const { agent } = state;
    const maxSteps = request.maxSteps ?? DEFAULT_MAX_STEPS;
    const clientTools = request.clientTools ?? [];
    const clientNames = new Set(clientTools.map((tool) => tool.name));
    const solver = new ToolRuleSolver(agent.tool_rules);
    const heartbeatLoop = HEARTBEAT_AGENT_TYPES.has(agent.agent_type);
    const agentTools = await store.tools.listForAgent(agent.id);
    const toolsByName = new Map(agentTools.map((tool) => [tool.name, tool]));
    const history: string[] = [];
    let lastResponse: string | undefined;
    const requiresApproval = (name: string) =>
      clientNames.has(name) ||
      solver.requiresApproval(name) ||
      toolsByName.get(name)?.default_requires_approval === true;

    for (let step = 0; step < maxSteps; step++) {
      // A run this turn created a moment ago cannot have been cancelled through the store yet.
      const mayBeCancelled = step > 0 || request.runId !== undefined;
      if (request.signal?.aborted || (mayBeCancelled && (await isCancelled(state.runId)))) return "cancelled";
      if (request.maxTokens !== undefined && usage.total_tokens >= request.maxTokens) {
        return "max_tokens_exceeded";
      }
      const available = [...agentTools.map((tool) => tool.name).filter((name) => !clientNames.has(name))];
      const allowed = solver.allowedTools(available, { calls: history, lastResponse });
      const definitions = toolDefinitions(agent, agentTools, allowed.names, clientTools, solver);
      await deps.beforeModelCall?.(state, { tools: definitions });
      const onlyTool = allowed.forced && allowed.names.length === 1 ? allowed.names[0] : undefined;
      const stepId = ids.next("step");
      // Allocated before the call so streamed deltas carry the ids the committed messages get.
      const draft: StepDraft = {
        stepId,
        assistantMessageId: ids.next("message"),
        approvalMessageId: ids.next("message"),
        requiresApproval,
      };
      let response: ModelResponse | undefined;
      for (let overflows = 0; response === undefined; overflows++) {
        const [system, ...rest] = state.window.messages;
        try {
          const call: ModelRequest = {
            model: agent.llm_config,
            system:
              system?.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("") ?? "",
            messages: toChatMessages(rest),
            tools: definitions.length > 0 ? definitions : undefined,
            toolChoice:
              definitions.length === 0
                ? undefined
                : onlyTool
                  ? { name: onlyTool }
                  : allowed.forced || heartbeatLoop
                    ? "required"
                    : "auto",
            parallelToolCalls: agent.llm_config.parallel_tool_calls ?? undefined,
            abortSignal: request.signal,
          };
          const relay = request.onModelEvent;
          response = relay
            ? await streamResponse(deps.provider, call, (event) => relay(event, draft))
            : await deps.provider.generate(call);
        } catch (error) {
          const tooLong = error instanceof LlmError && error.kind === "context_window_exceeded";
          if (tooLong && deps.beforeModelCall && overflows < MAX_OVERFLOW_RETRIES) {
            // As Letta does: compact the window, then try the call again.
            await deps.beforeModelCall(state, { tools: definitions, overflow: error });
            continue;
          }
          await recordFailedStep(state, stepId, error);
          throw error;
        }
      }
      state.lastPromptTokens = response.usage.promptTokens;
      addUsage(usage, response);

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
      const toolCalls = response.toolCalls.map((call) => ({
        id: call.id || `call_${ids.next("tool").slice(5, 29)}`,
        type: "function" as const,
        function: { name: call.name, arguments: call.arguments },
      }));

      if (toolCalls.length === 0) {
        if (content.length === 0) {
          await recordFailedStep(state, stepId, new Error("The model returned an empty response"));
          return "invalid_llm_response";
        }
        const required = solver.uncalledRequiredTools({ calls: history });
        const assistant = newMessage(agent, state.window.owner, {
          id: draft.assistantMessageId,
          role: "assistant",
          content,
          run_id: state.runId,
          step_id: stepId,
          model: response.model,
        });
        const extra: NewMessage[] = [];
        if (!heartbeatLoop && required.length > 0) {
          extra.push(
            newMessage(agent, state.window.owner, {
              role: "user",
              content: [
                {
                  type: "text",
                  text: `[This is an automated system message hidden from the user] ToolRuleViolated: You must call ${required.join(", ")} at least once to exit the loop.`,
                },
              ],
              run_id: state.runId,
              step_id: stepId,
            }),
          );
        }
        emit(await commitStep(state, stepId, response, [assistant, ...extra], []));
        if (heartbeatLoop) return "no_tool_call";
        if (extra.length > 0) continue;
        return response.finishReason === "length" ? "max_tokens_exceeded" : "end_turn";
      }

      const needsApproval = toolCalls.filter((call) => requiresApproval(call.function.name));
      const serverCalls = toolCalls.filter((call) => !needsApproval.includes(call));
      const planned: PlannedCall[] = [];
      for (const call of serverCalls) {
        planned.push(
          await planCall(call, {
            tools: toolsByName,
            allowed: allowed.names,
            prefilled: allowed.prefilledArgs,
            context: { store, agent, runId: state.runId, clock, ids, embed: deps.embedderFor?.(agent) },
          }),
        );
      }
      const records: NewMessage[] = [];
      if (content.length > 0 || serverCalls.length > 0) {
        records.push(
          newMessage(agent, state.window.owner, {
            id: draft.assistantMessageId,
            role: "assistant",
            content,
            tool_calls: serverCalls.length > 0 ? serverCalls : null,
            run_id: state.runId,
            step_id: stepId,
            model: response.model,
          }),
        );
      }
      const outcome = { failed: false, terminal: false, heartbeat: false, forced: false };
      const committed = await commitStep(state, stepId, response, records, planned, async (returns) => {
        const after: NewMessage[] = [];
        if (returns.length > 0) {
          after.push(
            newMessage(agent, state.window.owner, {
              role: "tool",
              name: serverCalls[0]?.function.name ?? null,
              tool_call_id: returns[0]?.toolReturn.tool_call_id ?? null,
              tool_returns: returns.map((item) => item.toolReturn),
              run_id: state.runId,
              step_id: stepId,
            }),
          );
        }
        if (needsApproval.length > 0) {
          after.push(
            newMessage(agent, state.window.owner, {
              id: draft.approvalMessageId,
              role: "approval",
              tool_calls: needsApproval,
              run_id: state.runId,
              step_id: stepId,
              model: response.model,
            }),
          );
        }
        for (const [index, item] of returns.entries()) {
          const name = serverCalls[index]?.function.name ?? "";
          outcome.failed ||= !item.ok;
          outcome.terminal ||= solver.isTerminal(name);
          outcome.forced ||= solver.forcesContinue(name);
          outcome.heartbeat ||= planned[index]?.requestHeartbeat === true;
        }
        if (heartbeatLoop && needsApproval.length === 0 && !outcome.terminal && step < maxSteps - 1) {
          const reason = outcome.heartbeat
            ? "Function called using request_heartbeat=true, returning control"
            : outcome.failed
              ? "Function call failed, returning control"
              : outcome.forced
                ? "Continuing: child tool rule."
                : undefined;
          if (reason) {
            after.push(
              newMessage(agent, state.window.owner, {
                role: "user",
                content: [
                  {
                    type: "text",
                    text: JSON.stringify({
                      type: "heartbeat",
                      reason: `[This is an automated system message hidden from the user] ${reason}`,
                      time: clock.now().toISOString(),
                    }),
                  },
                ],
                run_id: state.runId,
                step_id: stepId,
              }),
            );
          }
        }
        return after;
      });
      emit(committed);
      for (const call of serverCalls) history.push(call.function.name);
      const lastReturn = committed.findLast((message) => message.role === "tool");
      lastResponse = lastReturn?.tool_returns?.at(-1)?.func_response;

      if (needsApproval.length > 0) return "requires_approval";
      if (outcome.terminal) return heartbeatLoop && !outcome.heartbeat ? "end_turn" : "tool_rule";
      if (heartbeatLoop) {
        const continues =
          outcome.heartbeat ||
          outcome.failed ||
          outcome.forced ||
          solver.uncalledRequiredTools({ calls: history }).length > 0;
        if (!continues) return "end_turn";
      }
      if (step === maxSteps - 1) return "max_steps";
    }
    return "max_steps";
  }

  /**
   * Commits one step atomically: the step row with its usage, the messages, the tools' writes (memory
   * edits run inside this transaction) and the new window.
   */
  async function commitStep(
    state: TurnState,
    stepId: string,
    response: ModelResponse,
    before: NewMessage[],
    planned: PlannedCall[],
    after?: (returns: Array<{ toolReturn: ToolReturn; ok: boolean }>) => Promise<NewMessage[]>,
  ): Promise<Message[]> {
    const { agent } = state;
    return store.transaction(async (tx) => {
      await tx.steps.create({
        id: stepId,
        agent_id: agent.id,
        run_id: state.runId,
        status: "success",
        model: agent.llm_config.model,
        model_handle: agent.llm_config.handle ?? response.model,
        model_endpoint: agent.llm_config.model_endpoint ?? null,
        provider_name: agent.llm_config.provider_name ?? agent.llm_config.model_endpoint_type,
        provider_category: agent.llm_config.provider_category ?? "base",
        context_window_limit: agent.llm_config.context_window,
        prompt_tokens: response.usage.promptTokens,
        completion_tokens: response.usage.completionTokens,
        total_tokens: response.usage.totalTokens,
        cached_input_tokens: response.usage.cachedInputTokens ?? null,
        cache_write_tokens: response.usage.cacheWriteTokens ?? null,
        reasoning_tokens: response.usage.reasoningTokens ?? null,
        stop_reason: null,
        error_type: null,
        error_data: null,
        feedback: null,
        tags: [],
        trace_id: null,
        created_at: clock.now().toISOString(),
      });
      const returns: Array<{ toolReturn: ToolReturn; ok: boolean }> = [];
      for (const call of planned) returns.push(await call.run(tx));
      const records = [...before, ...((await after?.(returns)) ?? [])];
      const stored = await tx.messages.append(records);
      state.window.messages.push(...stored);
      await saveWindowIds(
        tx,
        state.window.owner,
        state.window.messages.map((message) => message.id),
        clock.now().toISOString(),
      );
      // As in Letta, a memory edit rewrites the stored system prompt at once, while this turn keeps
      // the prompt it started with (the provider's prompt cache); the next turn reads the new one.
      const edited = planned.some(
        (call, index) => returns[index]?.ok && MEMORY_EDITING_TOOLS.has(call.call.function.name),
      );
      const system = state.window.messages[0];
      if (edited && system) {
        const text = await compileSystemPrompt(
          tx,
          state.agent,
          state.window.owner,
          state.window.messages.length,
          clock,
        );
        await tx.messages.update(system.id, { content: [{ type: "text", text }] });
      }
      return stored;
    });
  }

  async function recordFailedStep(state: TurnState, stepId: string, error: unknown): Promise<void> {
    const { agent } = state;
    await store.steps.create({
      id: stepId,
      agent_id: agent.id,
      run_id: state.runId,
      status: "failed",
      model: agent.llm_config.model,
      model_handle: agent.llm_config.handle ?? null,
      model_endpoint: agent.llm_config.model_endpoint ?? null,
      provider_name: agent.llm_config.provider_name ?? agent.llm_config.model_endpoint_type,
      provider_category: agent.llm_config.provider_category ?? "base",
      context_window_limit: agent.llm_config.context_window,
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      cached_input_tokens: null,
      cache_write_tokens: null,
      reasoning_tokens: null,
      stop_reason: stopFor(error),
      error_type: error instanceof LlmError ? error.kind : error instanceof Error ? error.name : "error",
      error_data: { message: error instanceof Error ? error.message : String(error) },
      feedback: null,
      tags: [],
      trace_id: null,
      created_at: clock.now().toISOString(),
    });
  }

  async function isCancelled(runId: string): Promise<boolean> {
    return (await store.runs.get(runId))?.status === "cancelled";
  }

  async function finishRun(
    run: Run,
    agent: AgentRecord,
    stopReason: StopReason,
    started: Date,
    failure: unknown,
    turn: { conversationId: string | null; messages: readonly Message[] },
  ): Promise<Run> {
    const now = clock.now();
    const status = runStatusFor(stopReason);
    const error =
      failure === undefined
        ? null
        : {
            error_type: failure instanceof LlmError ? `llm_${failure.kind}` : "internal_error",
            message: failure instanceof Error ? failure.message : String(failure),
            detail: failure instanceof LlmError ? failure.detail : undefined,
            retryable: failure instanceof LlmError ? failure.retryable : false,
          };
    if (failure !== undefined && !(failure instanceof LlmError))
      console.error(`run ${run.id} failed:`, failure);
    return store.transaction(async (tx) => {
      const updated = await tx.runs.update(run.id, {
        status,
        stop_reason: stopReason,
        completed_at: now.toISOString(),
        total_duration_ns: (now.getTime() - started.getTime()) * 1_000_000,
        metadata: error ? { ...(run.metadata ?? {}), error } : run.metadata,
      });
      await tx.agents.update(agent.id, {
        last_run_completion: now.toISOString(),
        last_run_duration_ms: now.getTime() - started.getTime(),
        last_stop_reason: stopReason,
      });
      const finished = updated ?? run;
      for (const hook of deps.afterTurn ?? []) {
        await hook(tx, { agent, run: finished, stopReason, ...turn });
      }
      return finished;
    });
  }

  return { runTurn };
}

export type AgentLoop = ReturnType<typeof createAgentLoop>;
