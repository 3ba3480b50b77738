import {
  type AgentRecord,
  type Clock,
  type ContextWindowOverview,
  type Message,
  newMessageRecord,
  notFound,
} from "../../domain/index.js";
import type { ToolDefinition } from "../../llm/providers/types.js";
import type { Store } from "../../store/store.js";
import { compileSystemPrompt, type WindowOwner } from "../agent-loop/context-window.js";
import { toolDefinitions } from "../agent-loop/tool-calls.js";
import { ToolRuleSolver } from "../tool-rules/solver.js";
import type { RequestSizer } from "./request-size.js";

/** The text of the section `<tag>…</tag>` of a compiled system prompt, if present. */
function section(prompt: string, tag: string): string | null {
  const start = prompt.indexOf(`<${tag}>`);
  const close = `</${tag}>`;
  const end = prompt.lastIndexOf(close);
  return start >= 0 && end > start ? prompt.slice(start, end + close.length) : null;
}

function textOf(message: Message): string {
  return message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
}

/** A summary message, or Letta's legacy form of one (a user message holding a `system_alert`). */
function isSummary(message: Message | undefined): message is Message {
  if (message?.role === "summary") return true;
  return message?.role === "user" && /^\{\s*"type":\s*"system_alert"/.test(textOf(message));
}

/** All of the agent's tool definitions: what a step offers at most (client tools come per request). */
export async function agentToolDefinitions(store: Store, agent: AgentRecord): Promise<ToolDefinition[]> {
  const tools = await store.tools.listForAgent(agent.id);
  const names = tools.map((tool) => tool.name);
  return toolDefinitions(agent, tools, names, [], new ToolRuleSolver(agent.tool_rules));
}

/** The system message a window would start with, before the first turn stores it. */
function unsavedSystemMessage(agent: AgentRecord, owner: WindowOwner, text: string, now: Date): Message {
  const record = newMessageRecord({
    id: "",
    agent_id: agent.id,
    conversation_id: owner.kind === "conversation" ? owner.conversation.id : null,
    role: "system",
    content: [{ type: "text", text }],
    created_at: now.toISOString(),
  });
  return { ...record, sequence_id: 0 };
}

/**
 * Computes the overview of an agent's window (or a conversation's) without running a turn and
 * without writing: the window is read by id and the recall and archival sizes are COUNT queries.
 */
export async function contextOverview(
  deps: { store: Store; clock: Clock; sizer: RequestSizer },
  agentId: string,
  conversationId?: string | null,
): Promise<ContextWindowOverview> {
  const { store, sizer } = deps;
  const agent = await store.agents.get(agentId);
  if (!agent) throw notFound("Agent", agentId);
  let owner: WindowOwner = { kind: "agent", agentId };
  if (conversationId && conversationId !== "default") {
    const conversation = await store.conversations.get(conversationId);
    if (!conversation || conversation.agent_id !== agentId) throw notFound("Conversation", conversationId);
    owner = { kind: "conversation", conversation };
  }
  const ids = owner.kind === "agent" ? agent.message_ids : owner.conversation.in_context_message_ids;
  const stored = ids.length > 0 ? await store.messages.getMany(ids) : [];
  let window = stored;
  if (stored[0]?.role !== "system") {
    // No system message yet (no turn so far): show the one the first turn would compile.
    const text = await compileSystemPrompt(store, agent, owner, stored.length + 1, deps.clock);
    window = [unsavedSystemMessage(agent, owner, text, deps.clock.now()), ...stored];
  }
  const archiveIds = (await store.archives.listForAgent(agent.id)).map((archive) => archive.id);
  const [recall, archival, tools] = await Promise.all([
    store.messages.count({
      agent_id: agent.id,
      conversation_id: owner.kind === "conversation" ? owner.conversation.id : null,
    }),
    archiveIds.length > 0 ? store.passages.count(archiveIds) : Promise.resolve(0),
    agentToolDefinitions(store, agent),
  ]);

  const model = agent.llm_config;
  const counter = sizer.counterFor(model);
  const size = sizer.measure(model, window, tools);
  const systemPrompt = textOf(window[0]!);
  const core = section(systemPrompt, "memory_blocks") ?? "";
  const rules = section(systemPrompt, "tool_usage_rules");
  const directories = section(systemPrompt, "directories");
  const external = section(systemPrompt, "memory_metadata") ?? "";
  const coreTokens = counter.countText(core);
  const rulesTokens = rules ? counter.countText(rules) : 0;
  const directoriesTokens = directories ? counter.countText(directories) : 0;
  const externalTokens = counter.countText(external);
  const summary = isSummary(window[1]) ? window[1] : undefined;
  const summaryTokens = summary ? sizer.messageTokens(model, summary) : 0;

  return {
    context_window_size_max: model.context_window,
    context_window_size_current: size.total,
    num_messages: window.length,
    num_archival_memory: archival,
    num_recall_memory: recall,
    num_tokens_external_memory_summary: externalTokens,
    external_memory_summary: external,
    // The rest of the system message (instructions and framing), so the sections add up.
    num_tokens_system: Math.max(
      0,
      size.system - coreTokens - rulesTokens - directoriesTokens - externalTokens,
    ),
    system_prompt: systemPrompt,
    num_tokens_core_memory: coreTokens,
    core_memory: core,
    num_tokens_memory_filesystem: 0,
    memory_filesystem: null,
    num_tokens_tool_usage_rules: rulesTokens,
    tool_usage_rules: rules,
    num_tokens_directories: directoriesTokens,
    directories,
    num_tokens_summary_memory: summaryTokens,
    summary_memory: summary ? textOf(summary) : null,
    num_tokens_functions_definitions: size.tools,
    functions_definitions: tools.map((tool) => ({
      type: "function" as const,
      function: {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.parameters,
      },
    })),
    num_tokens_messages: size.messages - summaryTokens,
    messages: stored,
  };
}
