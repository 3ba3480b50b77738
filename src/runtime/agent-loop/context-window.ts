import {
  type AgentRecord,
  type Clock,
  type Conversation,
  type IdGenerator,
  type Message,
  newMessageRecord,
} from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { renderDirectories } from "../files/directories.js";
import { formatLettaTime } from "../memory/letta-time.js";
import { fillSystemPrompt, type RenderedBlock, renderMemory } from "../memory/render-memory.js";
import type { SkillBlock } from "../memory/render-skills.js";
import { ToolRuleSolver } from "../tool-rules/solver.js";

/** Whose in-context window a turn uses: the agent's default one, or a conversation's own. */
export type WindowOwner =
  | { kind: "agent"; agentId: string }
  | { kind: "conversation"; conversation: Conversation };

/** The in-context messages of one window, the system message first. */
export interface ContextWindow {
  owner: WindowOwner;
  messages: Message[];
  /** The agent's skill blocks (`skills/<name>`), read with the blocks: listed in each request's prompt. */
  skillBlocks?: SkillBlock[] | undefined;
}

/** Agent types whose prompt shows block values with line numbers, as Letta does. */
const LINE_NUMBERED_TYPES = new Set(["letta_v1_agent", "memgpt_v2_agent", "sleeptime_agent"]);

function usesLineNumbers(agent: AgentRecord): boolean {
  return LINE_NUMBERED_TYPES.has(agent.agent_type) || agent.llm_config.model_endpoint_type === "anthropic";
}

function ownerIds(agent: AgentRecord, owner: WindowOwner): string[] {
  return owner.kind === "agent" ? agent.message_ids : owner.conversation.in_context_message_ids;
}

function conversationIdOf(owner: WindowOwner): string | null {
  return owner.kind === "conversation" ? owner.conversation.id : null;
}

/** Writes the window's message ids back to its owner. */
export async function saveWindowIds(
  store: Store,
  owner: WindowOwner,
  ids: string[],
  now: string,
): Promise<void> {
  if (owner.kind === "agent") await store.agents.update(owner.agentId, { message_ids: ids });
  else
    await store.conversations.update(owner.conversation.id, { in_context_message_ids: ids, updated_at: now });
}

/** Renders the agent's blocks section; cheap enough to run at every turn to detect memory changes. */
async function renderBlocksOnly(store: Store, agent: AgentRecord): Promise<RenderedBlock[]> {
  const blocks = await store.blocks.listForAgent(agent.id);
  return blocks.map((block) => ({
    label: block.label,
    value: block.value,
    limit: block.limit,
    description: block.description,
    read_only: block.read_only,
  }));
}

/** Compiles the whole system prompt: template + memory blocks + tool rules + metadata with counts. */
export async function compileSystemPrompt(
  store: Store,
  agent: AgentRecord,
  owner: WindowOwner,
  inContextCount: number,
  clock: Clock,
): Promise<string> {
  const lineNumbers = usesLineNumbers(agent);
  const blocks = await renderBlocksOnly(store, agent);
  const archives = await store.archives.listForAgent(agent.id);
  const archiveIds = archives.map((archive) => archive.id);
  const [total, archival, tags, directories] = await Promise.all([
    store.messages.count({ agent_id: agent.id, conversation_id: conversationIdOf(owner) }),
    archiveIds.length > 0 ? store.passages.count(archiveIds) : Promise.resolve(0),
    archiveIds.length > 0 ? store.passages.tags(archiveIds) : Promise.resolve([]),
    renderDirectories(store, agent),
  ]);
  const memory = renderMemory({
    blocks,
    lineNumbers,
    toolRules: new ToolRuleSolver(agent.tool_rules).describe(),
    directories,
    metadata: {
      agentId: agent.id,
      conversationId: conversationIdOf(owner),
      lastRecompiled: formatLettaTime(clock.now(), agent.timezone),
      previousMessageCount: Math.max(0, total - inContextCount),
      archivalMemoryCount: archival,
      archivalTags: tags,
    },
  });
  return fillSystemPrompt(agent.system, memory);
}

/** The block section alone, to check cheaply whether the stored system prompt is stale; and the skills. */
async function blocksFingerprint(
  store: Store,
  agent: AgentRecord,
): Promise<{ fingerprint: string; skillBlocks: SkillBlock[] }> {
  const lineNumbers = usesLineNumbers(agent);
  const blocks = await renderBlocksOnly(store, agent);
  const skillBlocks = blocks.filter((block) => block.label.startsWith("skills/"));
  const rendered = renderMemory({
    blocks,
    lineNumbers,
    metadata: {
      agentId: agent.id,
      conversationId: null,
      lastRecompiled: "",
      previousMessageCount: 0,
      archivalMemoryCount: 0,
      archivalTags: [],
    },
  });
  const fingerprint = rendered.slice(0, rendered.indexOf("</memory_blocks>") + "</memory_blocks>".length);
  return { fingerprint, skillBlocks };
}

/** How the rendered `<directories>` section starts (see renderDirectories). */
const DIRECTORIES_START = "<directories>\n<file_limits>";

function systemText(message: Message | undefined): string {
  return message?.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("") ?? "";
}

/**
 * Loads the window and makes sure its system message is current: created when missing, and rebuilt
 * in place when core memory or the template changed since it was written (Letta rebuilds on such
 * changes only, so the provider's prompt cache survives ordinary turns).
 */
export async function loadContextWindow(
  store: Store,
  agent: AgentRecord,
  owner: WindowOwner,
  deps: { clock: Clock; ids: IdGenerator },
): Promise<ContextWindow> {
  const ids = ownerIds(agent, owner);
  // The blocks are read alongside the window: they tell whether the stored system prompt is stale.
  const [messages, { fingerprint, skillBlocks }, directories] = await Promise.all([
    ids.length > 0 ? store.messages.getMany(ids) : Promise.resolve([]),
    blocksFingerprint(store, agent),
    renderDirectories(store, agent),
  ]);
  const [first] = messages;
  const now = deps.clock.now().toISOString();

  if (first?.role !== "system") {
    const text = await compileSystemPrompt(store, agent, owner, messages.length + 1, deps.clock);
    const system = newMessageRecord({
      id: deps.ids.next("message"),
      agent_id: agent.id,
      conversation_id: conversationIdOf(owner),
      role: "system",
      content: [{ type: "text", text }],
      created_at: now,
    });
    const [stored] = await store.messages.append([system]);
    const window = [stored as Message, ...messages];
    await saveWindowIds(
      store,
      owner,
      window.map((message) => message.id),
      now,
    );
    return { owner, messages: window, skillBlocks };
  }

  const current = systemText(first);
  // Open files are part of memory too: a changed window, or folders attached or all detached, rebuilds.
  const filesStale = directories ? !current.includes(directories) : current.includes(DIRECTORIES_START);
  if (
    filesStale ||
    !current.includes(fingerprint) ||
    !current.startsWith(agent.system.split("{CORE_MEMORY}")[0] ?? "")
  ) {
    const text = await compileSystemPrompt(store, agent, owner, messages.length, deps.clock);
    const updated = await store.messages.update(first.id, { content: [{ type: "text", text }] });
    if (updated) messages[0] = updated;
  }
  return { owner, messages, skillBlocks };
}
