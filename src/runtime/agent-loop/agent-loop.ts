import {
  type AgentRecord,
  type ClientSkill,
  type ClientTool,
  type Clock,
  type IdGenerator,
  type LettaUsage,
  type LlmConfig,
  type Log,
  type Message,
  type MessageInput,
  type NewMessage,
  notFound,
  ReverieError,
  type Run,
  type StopReason,
  silentLog,
  type Tool,
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
import { responseFormatOf } from "../../llm/response-format.js";
import type { Store } from "../../store/store.js";
import { renderAvailableSkills, skillEntries, withAvailableSkills } from "../memory/render-skills.js";
import { logRunFailure } from "../run-failure-log.js";
import { ToolRuleSolver } from "../tool-rules/solver.js";
import type { BuiltinToolContext, McpToolRunner } from "../tools/builtin-executor.js";
import { MEMORY_EDITING_TOOLS } from "../tools/builtin-executor.js";
import type { CustomToolExecutor } from "../tools/custom/custom-tool-call.js";
import type { MultiAgentTools } from "../tools/multi-agent/multi-agent-tools.js";
import type { RunCode } from "../tools/run-code/run-code.js";
import type { EmbedTexts } from "../tools/search-tools.js";
import { toolReturnText } from "../tools/tool-return-text.js";
import type { WebTools } from "../tools/web/web-tools.js";
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
  responseContent,
  responseToolCalls,
  stepMessages,
  stepRow,
  type TurnRecordContext,
  turnMessage,
} from "./step-records.js";
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
import {
  afterApprovals,
  afterReply,
  afterToolCalls,
  callOutcome,
  type StepDecision,
  stopBeforeStep,
  type TurnRules,
} from "./turn-policy.js";

export type { StepDraft } from "./model-call.js";

export const DEFAULT_MAX_STEPS = 50;

export interface AgentLoopDeps {
  store: Store;
  provider: ModelProvider;
  clock: Clock;
  ids: IdGenerator;
  locks: TurnLocks;
  /** Where a failed run is reported (the LLM's own message for provider failures). */
  log?: Log | undefined;
  /** The agent's embedder for archival tools; absent means text search only. */
  embedderFor?: ((agent: AgentRecord) => EmbedTexts | undefined) | undefined;
  /** The web tools (`fetch_webpage`, `web_search`). */
  web?: WebTools | undefined;
  /** Runs custom tools in the sandbox. */
  customTools?: CustomToolExecutor | undefined;
  /** Letta's agent-to-agent tools. */
  multiAgent?: MultiAgentTools | undefined;
  /** `run_code` in the tool sandbox. */
  runCode?: RunCode | undefined;
  /** Runs `external_mcp` tools through the pooled MCP connections. */
  mcp?: McpToolRunner | undefined;
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
  /** Runs a hook started for this turn (a sleep-time agent's) add their ids: they join `usage.run_ids`. */
  relatedRunIds: string[];
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
  /** The caller's skills, listed at the end of this request's system prompt (never stored). */
  clientSkills?: readonly ClientSkill[] | undefined;
  /** The model of this request instead of the agent's (`override_model`, resolved); the agent is unchanged. */
  llmConfig?: LlmConfig | undefined;
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
  /** The `<available_skills>` section appended to every request of the turn ("" when none). */
  skills: string;
  /** Token count the last LLM call reported for its prompt. */
  lastPromptTokens: number;
}

/** What the next LLM call will carry besides the window, for the `beforeModelCall` hook. */
export interface ModelCallContext {
  tools: readonly ToolDefinition[];
  /** The provider's refusal of the previous attempt as too long for the context window. */
  overflow?: LlmError | undefined;
}

/** How a turn ends: what finishing its run needs, and the finished run once a step recorded it. */
interface TurnEnding {
  run: Run;
  started: Date;
  conversationId: string | null;
  /** Messages the turn produced so far, its input excluded. */
  produced: readonly Message[];
  signal?: AbortSignal | undefined;
  /** Set by the step that finished the run in its own transaction. */
  finished?: { run: Run; relatedRunIds: string[] } | undefined;
}

/** The writes that finish a run. */
interface FinishPatches {
  run: Partial<Run>;
  agent: Partial<AgentRecord>;
}

/** One step to commit: its LLM response, its messages and calls, and whether it ends the turn. */
interface StepCommit {
  stepId: string;
  response: ModelResponse;
  /** Messages written before the calls' results (the assistant's). */
  before: NewMessage[];
  planned: PlannedCall[];
  /** The messages after the calls ran, built from their results inside the transaction. */
  after?: ((returns: Array<{ toolReturn: ToolReturn; ok: boolean }>) => Promise<NewMessage[]>) | undefined;
  /** The stop reason when this step ends the turn (asked after `after`). */
  endsTurn?: (() => StopReason | undefined) | undefined;
  ending: TurnEnding;
}

/** Retries of one LLM call after the provider found it too long and the window was compacted. */
const MAX_OVERFLOW_RETRIES = 2;

/** The rules a turn of `agent` runs under. */
function turnRules(agent: AgentRecord, request: Pick<TurnRequest, "maxSteps" | "maxTokens">): TurnRules {
  return {
    heartbeatLoop: HEARTBEAT_AGENT_TYPES.has(agent.agent_type),
    maxSteps: request.maxSteps ?? DEFAULT_MAX_STEPS,
    maxTokens: request.maxTokens,
  };
}

/** The agent loop: one call runs one turn of one agent, step by step, each step one transaction. */
export function createAgentLoop(deps: AgentLoopDeps) {
  const { store, clock, ids } = deps;

  /** What a server-side tool call runs with: the store, the agent and run, and the loop's tool ports. */
  function toolContext(agent: AgentRecord, runId: string): BuiltinToolContext {
    return {
      store,
      agent,
      runId,
      clock,
      ids,
      embed: deps.embedderFor?.(agent),
      web: deps.web,
      customTools: deps.customTools,
      multiAgent: deps.multiAgent,
      runCode: deps.runCode,
      mcp: deps.mcp,
    };
  }

  /** The stamp of every record a turn writes. */
  const recordContext = (agent: AgentRecord, owner: WindowOwner, runId: string): TurnRecordContext => ({
    agent,
    owner,
    runId,
    clock,
    ids,
  });

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
    const { owner } = resolved.value;
    // A per-request model runs the whole turn (its steps record it); the stored agent keeps its own.
    const agent = request.llmConfig
      ? { ...resolved.value.agent, llm_config: request.llmConfig }
      : resolved.value.agent;
    const lease = locked.value;
    const started = clock.now();
    try {
      // The agent's tools are read alongside the window (on PostgreSQL, in parallel: no round trip of its own).
      const [window, agentTools] = await Promise.all([
        loadContextWindow(store, agent, owner, { clock, ids }),
        store.tools.listForAgent(agent.id),
      ]);
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
      const skills = renderAvailableSkills(
        skillEntries(window.skillBlocks ?? [], request.clientSkills ?? []),
      );
      const state: TurnState = { agent, window, runId, skills, lastPromptTokens: 0 };
      const produced: Message[] = [];
      const ending: TurnEnding = { run, started, conversationId, produced, signal: request.signal };
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
            ? await answerApprovals(state, agentTools, pending, decisions, input, emit)
            : undefined;
        stopReason = answered ?? (await steps(state, request, agentTools, usage, emit, ending));
      } catch (error) {
        failure = error;
        stopReason = stopFor(error);
      }
      // The last step finished the run in its own transaction (it checked for cancellation there).
      // Otherwise a cancelled request stays cancelled, whatever the step in flight went on to do.
      if (!ending.finished && request.signal?.aborted && stopReason !== "cancelled") {
        stopReason = "cancelled";
        failure = undefined;
      }
      const { run: finished, relatedRunIds } =
        ending.finished ??
        (await store.transaction(async (tx) => {
          const end = finishPatches(ending, stopReason, failure);
          await tx.agents.update(agent.id, end.agent);
          return recordFinish(tx, agent, ending, end, stopReason);
        }));
      usage.run_ids.push(...relatedRunIds);
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
      // An accepted async run is started once: by its process, or by the job that resumes it after a
      // crash. Both hold the turn lock here, so the second one sees the first's status.
      if (existing && existing.status !== "created") {
        throw new ReverieError(
          "conflict",
          `Run ${existing.id} has already started (it is ${existing.status})`,
        );
      }
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
              turnMessage(recordContext(agent, owner, runId), {
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
    agentTools: readonly Tool[],
    pending: Message,
    decisions: ReturnType<typeof matchApprovals>,
    input: Extract<TurnInput, { kind: "approvals" }>,
    emit: (messages: readonly Message[]) => void,
  ): Promise<StopReason | undefined> {
    const { agent } = state;
    const tools = new Map(agentTools.map((tool) => [tool.name, tool]));
    const planned: Array<PlannedCall | ToolReturn> = [];
    for (const { call, decision } of decisions) {
      if (decision.type === "tool") {
        const text = toolReturnText(decision.tool_return);
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
            context: toolContext(agent, state.runId),
          }),
        );
      }
    }
    const stepId = ids.next("step");
    const context = recordContext(agent, state.window.owner, state.runId);
    const stored = await store.transaction(async (tx) => {
      const returns: ToolReturn[] = [];
      for (const item of planned) returns.push("run" in item ? (await item.run(tx)).toolReturn : item);
      // The decisions as matched to the calls (a legacy decision names the request, not its calls).
      const decisionMessage = turnMessage(context, {
        role: "approval",
        approvals: decisions.map(({ decision }) => decision),
        otid: input.otid,
        run_id: state.runId,
      });
      const toolMessage = stepMessages(context, stepId).toolReturns(
        pending.tool_calls?.[0]?.function.name ?? null,
        returns,
      );
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
    const solver = new ToolRuleSolver(agent.tool_rules);
    const executed = planned.filter((item): item is PlannedCall => "run" in item);
    return afterApprovals(turnRules(agent, {}), {
      terminal: executed.some((item) => solver.isTerminal(item.call.function.name)),
      heartbeat: executed.some((item) => item.requestHeartbeat === true),
    });
  }

  /** Runs LLM steps until the turn policy stops the turn. */
  async function steps(
    state: TurnState,
    request: TurnRequest,
    agentTools: readonly Tool[],
    usage: LettaUsage,
    emit: (messages: readonly Message[]) => void,
    ending: TurnEnding,
  ): Promise<StopReason> {
    const { agent } = state;
    const rules = turnRules(agent, request);
    const clientTools = request.clientTools ?? [];
    const clientNames = new Set(clientTools.map((tool) => tool.name));
    const solver = new ToolRuleSolver(agent.tool_rules);
    const toolsByName = new Map(agentTools.map((tool) => [tool.name, tool]));
    const context = recordContext(agent, state.window.owner, state.runId);
    const history: string[] = [];
    let lastResponse: string | undefined;
    const requiresApproval = (name: string) =>
      clientNames.has(name) ||
      solver.requiresApproval(name) ||
      toolsByName.get(name)?.default_requires_approval === true;

    for (let step = 0; step < rules.maxSteps; step++) {
      // A run this turn created a moment ago cannot have been cancelled through the store yet.
      const mayBeCancelled = step > 0 || request.runId !== undefined;
      const cancelled =
        request.signal?.aborted === true || (mayBeCancelled && (await isCancelled(state.runId)));
      const early = stopBeforeStep(rules, { cancelled, tokensUsed: usage.total_tokens });
      if (early) return early;
      const available = agentTools.map((tool) => tool.name).filter((name) => !clientNames.has(name));
      const allowed = solver.allowedTools(available, { calls: history, lastResponse });
      const definitions = toolDefinitions(agent, agentTools, allowed.names, clientTools, solver);
      await deps.beforeModelCall?.(state, { tools: definitions });
      const onlyTool = allowed.forced && allowed.names.length === 1 ? allowed.names[0] : undefined;
      const toolChoice: ModelRequest["toolChoice"] =
        definitions.length === 0
          ? undefined
          : onlyTool
            ? { name: onlyTool }
            : allowed.forced || rules.heartbeatLoop
              ? "required"
              : "auto";
      const stepId = ids.next("step");
      // Allocated before the call so streamed deltas carry the ids the committed messages get.
      const draft: StepDraft = {
        stepId,
        assistantMessageId: ids.next("message"),
        approvalMessageId: ids.next("message"),
        requiresApproval,
      };
      const response = await callModel(state, request, draft, definitions, toolChoice);
      state.lastPromptTokens = response.usage.promptTokens;
      addUsage(usage, response);

      const content = responseContent(response);
      const toolCalls = responseToolCalls(response, ids);
      const records = stepMessages(context, stepId, response.model);

      if (toolCalls.length === 0) {
        const decision = afterReply(rules, {
          step,
          empty: content.length === 0,
          truncated: response.finishReason === "length",
          uncalledRequired: solver.uncalledRequiredTools({ calls: history }),
        });
        if (decision.stopReason === "invalid_llm_response") {
          await recordFailedStep(state, stepId, new Error("The model returned an empty response"));
          return decision.stopReason;
        }
        const messages = [records.assistant(draft.assistantMessageId, content, null)];
        if (decision.notice) messages.push(records.notice(decision.notice));
        emit(
          await commitStep(state, {
            stepId,
            response,
            before: messages,
            planned: [],
            ending,
            endsTurn: () => decision.stopReason,
          }),
        );
        if (decision.stopReason) return decision.stopReason;
        continue;
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
            context: toolContext(agent, state.runId),
          }),
        );
      }
      const before: NewMessage[] = [];
      if (content.length > 0 || serverCalls.length > 0) {
        before.push(
          records.assistant(draft.assistantMessageId, content, serverCalls.length > 0 ? serverCalls : null),
        );
      }
      const calledNames = serverCalls.map((call) => call.function.name);
      let decision: StepDecision = {};
      const committed = await commitStep(state, {
        stepId,
        response,
        before,
        planned,
        ending,
        after: async (returns) => {
          // The tools ran in this transaction: the policy decides with their results.
          const outcome = callOutcome(
            returns.map((item, index) => ({
              name: calledNames[index] ?? "",
              ok: item.ok,
              requestHeartbeat: planned[index]?.requestHeartbeat === true,
            })),
            solver,
          );
          decision = afterToolCalls(rules, {
            ...outcome,
            step,
            awaitingApproval: needsApproval.length > 0,
            uncalledRequired: solver.uncalledRequiredTools({ calls: [...history, ...calledNames] }),
          });
          const after: NewMessage[] = [];
          if (returns.length > 0) {
            after.push(
              records.toolReturns(
                calledNames[0] ?? null,
                returns.map((item) => item.toolReturn),
              ),
            );
          }
          if (needsApproval.length > 0)
            after.push(records.approvalRequest(draft.approvalMessageId, needsApproval));
          if (decision.notice) after.push(records.notice(decision.notice));
          return after;
        },
        endsTurn: () => decision.stopReason,
      });
      emit(committed);
      history.push(...calledNames);
      const lastReturn = committed.findLast((message) => message.role === "tool");
      lastResponse = lastReturn?.tool_returns?.at(-1)?.func_response;
      if (decision.stopReason) return decision.stopReason;
    }
    return "max_steps";
  }

  /**
   * One LLM call of a step, streamed to the request's relay when it has one. A provider's refusal of
   * the request as too long compacts the window and tries again, as Letta does; any other failure is
   * recorded as a failed step and thrown.
   */
  async function callModel(
    state: TurnState,
    request: TurnRequest,
    draft: StepDraft,
    definitions: ToolDefinition[],
    toolChoice: ModelRequest["toolChoice"],
  ): Promise<ModelResponse> {
    const { agent } = state;
    for (let overflows = 0; ; overflows++) {
      const [system, ...rest] = state.window.messages;
      try {
        const call: ModelRequest = {
          model: agent.llm_config,
          system: withAvailableSkills(
            system?.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("") ?? "",
            state.skills,
          ),
          messages: toChatMessages(rest),
          tools: definitions.length > 0 ? definitions : undefined,
          toolChoice,
          parallelToolCalls: agent.llm_config.parallel_tool_calls ?? undefined,
          responseFormat: responseFormatOf(agent.response_format),
          abortSignal: request.signal,
        };
        const relay = request.onModelEvent;
        return relay
          ? await streamResponse(deps.provider, call, (event) => relay(event, draft))
          : await deps.provider.generate(call);
      } catch (error) {
        const tooLong = error instanceof LlmError && error.kind === "context_window_exceeded";
        if (tooLong && deps.beforeModelCall && overflows < MAX_OVERFLOW_RETRIES) {
          await deps.beforeModelCall(state, { tools: definitions, overflow: error });
          continue;
        }
        await recordFailedStep(state, draft.stepId, error);
        throw error;
      }
    }
  }

  /**
   * Commits one step atomically: the step row with its usage, the messages, the tools' writes (memory
   * edits run inside this transaction) and the new window. The step that ends the turn also finishes
   * its run here, unless the request was cancelled meanwhile: the turn's last writes are one transaction.
   */
  async function commitStep(state: TurnState, step: StepCommit): Promise<Message[]> {
    const { agent, window } = state;
    const { planned } = step;
    return store.transaction(async (tx) => {
      const returns: Array<{ toolReturn: ToolReturn; ok: boolean; editedMemory?: boolean }> = [];
      for (const call of planned) returns.push(await call.run(tx));
      const records = [...step.before, ...((await step.after?.(returns)) ?? [])];
      // The step that ends the turn says so: a crash before the run is marked finished leaves a run
      // whose steps all committed, which recovery then completes instead of failing.
      const stopReason = step.endsTurn?.();
      const row = stepRow(recordContext(agent, window.owner, state.runId), step.stepId, {
        response: step.response,
      });
      await tx.steps.create(stopReason ? { ...row, stop_reason: stopReason } : row);
      const stored = await tx.messages.append(records);
      window.messages.push(...stored);
      const ids = window.messages.map((message) => message.id);
      const end =
        stopReason && !step.ending.signal?.aborted
          ? finishPatches(step.ending, stopReason, undefined)
          : undefined;
      // The agent's row is written once: its window (default conversation) and how its last run ended.
      if (window.owner.kind === "agent")
        await tx.agents.update(agent.id, { message_ids: ids, ...end?.agent });
      else {
        await saveWindowIds(tx, window.owner, ids, clock.now().toISOString());
        if (end) await tx.agents.update(agent.id, end.agent);
      }
      // As in Letta, a memory edit rewrites the stored system prompt at once, while this turn keeps
      // the prompt it started with (the provider's prompt cache); the next turn reads the new one.
      const edited = planned.some(
        (call, index) =>
          returns[index]?.ok &&
          (MEMORY_EDITING_TOOLS.has(call.call.function.name) || returns[index]?.editedMemory === true),
      );
      const system = window.messages[0];
      if (edited && system) {
        const text = await compileSystemPrompt(tx, agent, window.owner, window.messages.length, clock);
        await tx.messages.update(system.id, { content: [{ type: "text", text }] });
      }
      if (end && stopReason) {
        const ending = { ...step.ending, produced: [...step.ending.produced, ...stored] };
        step.ending.finished = await recordFinish(tx, agent, ending, end, stopReason);
      }
      return stored;
    });
  }

  async function recordFailedStep(state: TurnState, stepId: string, error: unknown): Promise<void> {
    await store.steps.create(
      stepRow(recordContext(state.agent, state.window.owner, state.runId), stepId, { error }),
    );
  }

  async function isCancelled(runId: string): Promise<boolean> {
    return (await store.runs.get(runId))?.status === "cancelled";
  }

  /** What finishing a run writes: the run's status, duration and error; the agent's last-run fields. */
  function finishPatches(ending: TurnEnding, stopReason: StopReason, failure: unknown): FinishPatches {
    const now = clock.now();
    const error =
      failure === undefined
        ? null
        : {
            error_type: failure instanceof LlmError ? `llm_${failure.kind}` : "internal_error",
            message: failure instanceof Error ? failure.message : String(failure),
            detail: failure instanceof LlmError ? failure.detail : undefined,
            retryable: failure instanceof LlmError ? failure.retryable : false,
          };
    if (failure !== undefined) {
      logRunFailure(deps.log ?? silentLog, {
        agentId: ending.run.agent_id,
        runId: ending.run.id,
        stopReason,
        failure,
      });
    }
    const durationMs = now.getTime() - ending.started.getTime();
    return {
      run: {
        status: runStatusFor(stopReason),
        stop_reason: stopReason,
        completed_at: now.toISOString(),
        total_duration_ns: durationMs * 1_000_000,
        metadata: error ? { ...(ending.run.metadata ?? {}), error } : ending.run.metadata,
      },
      agent: {
        last_run_completion: now.toISOString(),
        last_run_duration_ms: durationMs,
        last_stop_reason: stopReason,
      },
    };
  }

  /**
   * Marks the run finished and runs the after-turn hooks, in `tx` (the caller has written the agent's
   * last-run fields).
   */
  async function recordFinish(
    tx: Store,
    agent: AgentRecord,
    ending: TurnEnding,
    end: FinishPatches,
    stopReason: StopReason,
  ): Promise<{ run: Run; relatedRunIds: string[] }> {
    const finished = (await tx.runs.update(ending.run.id, end.run)) ?? ending.run;
    const relatedRunIds: string[] = [];
    const turn = { conversationId: ending.conversationId, messages: ending.produced };
    for (const hook of deps.afterTurn ?? []) {
      await hook(tx, { agent, run: finished, stopReason, ...turn, relatedRunIds });
    }
    return { run: finished, relatedRunIds };
  }

  return { runTurn };
}

export type AgentLoop = ReturnType<typeof createAgentLoop>;
