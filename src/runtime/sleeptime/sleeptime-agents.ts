import {
  type Actor,
  type AgentRecord,
  type Clock,
  type Group,
  type IdGenerator,
  isoNow,
} from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { findToolsByName, replaceBlocks, replaceTools } from "../agent-attachments.js";
import { loadContextWindow } from "../agent-loop/context-window.js";
import { newBlock } from "../block-records.js";
import { baseToolRules, defaultToolNames } from "../tools/builtin-schemas.js";
import {
  MEMORY_PERSONA_DESCRIPTION,
  SLEEPTIME_MEMORY_PERSONA,
  SLEEPTIME_SYSTEM_PROMPT,
} from "./sleeptime-prompts.js";

/** Letta's default: the sleep-time agent runs after every fifth turn of the primary. */
export const DEFAULT_SLEEPTIME_FREQUENCY = 5;

/** Kind of the durable job that runs a sleep-time agent. */
export const SLEEPTIME_JOB_KIND = "sleeptime";

/** `run_type` of a sleep-time agent's runs, as Letta names it. */
export const SLEEPTIME_RUN_TYPE = "sleeptime_agent_send_message_async";

const SYSTEM_ACTOR: Actor = { type: "system", id: null };

/** At most one sleep-time job per primary agent is queued or running: this is its concurrency key. */
export function sleeptimeJobKey(primaryAgentId: string): string {
  return `sleeptime:${primaryAgentId}`;
}

/** The sleep-time group the agent manages (as primary), if any. */
export async function managedSleeptimeGroup(store: Store, agentId: string): Promise<Group | undefined> {
  const groups = await store.groups.listForAgent(agentId);
  return groups.find((group) => group.manager_type === "sleeptime" && group.manager_agent_id === agentId);
}

interface Deps {
  clock: Clock;
  ids: IdGenerator;
}

/**
 * Gives `primary` a sleep-time agent: `<name>-sleeptime` of type `sleeptime_agent`, attached to the same
 * block rows as the primary plus its own `memory_persona` block, with the sleep-time tools (finishing
 * with `memory_finish_edits`), and the `sleeptime` group that pairs them. Idempotent; runs in `tx`.
 */
export async function enableSleeptime(
  tx: Store,
  primary: AgentRecord,
  deps: Deps,
  frequency: number | null = DEFAULT_SLEEPTIME_FREQUENCY,
): Promise<Group> {
  const existing = await managedSleeptimeGroup(tx, primary.id);
  if (existing) return existing;
  const now = isoNow(deps.clock);
  const sleeperId = deps.ids.next("agent");
  const toolNames = defaultToolNames("sleeptime_agent");
  const tools = await findToolsByName(tx, toolNames);
  const sleeper: AgentRecord = {
    ...primary,
    id: sleeperId,
    name: `${primary.name}-sleeptime`,
    agent_type: "sleeptime_agent",
    system: SLEEPTIME_SYSTEM_PROMPT,
    description: `Sleep-time memory agent of ${primary.name}`,
    compaction_settings: primary.compaction_settings,
    tool_rules: baseToolRules(toolNames, []),
    tags: [],
    metadata: null,
    message_ids: [],
    enable_sleeptime: false,
    hidden: null,
    response_format: null,
    last_run_completion: null,
    last_run_duration_ms: null,
    last_stop_reason: null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: now,
    updated_at: now,
  };
  await tx.agents.create(sleeper);
  const shared = await tx.blocks.listForAgent(primary.id);
  const blocks = [...shared];
  // A primary that already has a `memory_persona` block shares it rather than clashing with a new one.
  if (!shared.some((block) => block.label === "memory_persona")) {
    const persona = newBlock(
      { label: "memory_persona", value: SLEEPTIME_MEMORY_PERSONA, description: MEMORY_PERSONA_DESCRIPTION },
      deps,
    );
    await tx.blocks.create(persona, SYSTEM_ACTOR);
    blocks.push(persona);
  }
  await replaceBlocks(tx, sleeperId, blocks);
  await replaceTools(tx, sleeperId, tools);
  await loadContextWindow(tx, sleeper, { kind: "agent", agentId: sleeperId }, deps);
  const group = await tx.groups.create({
    id: deps.ids.next("group"),
    manager_type: "sleeptime",
    agent_ids: [sleeperId],
    description: `Sleep-time memory management of ${primary.name}`,
    manager_agent_id: primary.id,
    sleeptime_agent_frequency: frequency,
    turns_counter: 0,
    last_processed_message_id: null,
    max_turns: null,
    termination_token: null,
    max_message_buffer_length: null,
    min_message_buffer_length: null,
    shared_block_ids: [],
    hidden: null,
    project_id: primary.project_id,
  });
  if (primary.enable_sleeptime !== true) await tx.agents.update(primary.id, { enable_sleeptime: true });
  return group;
}

/**
 * Undoes {@link enableSleeptime}: cancels the group's pending job, deletes the sleep-time agents with
 * the blocks only they use (their `memory_persona`), deletes the group and clears the primary's flag.
 * The shared blocks stay with the primary. Runs in `tx`.
 */
export async function disableSleeptime(tx: Store, group: Group, deps: Pick<Deps, "clock">): Promise<void> {
  const now = isoNow(deps.clock);
  if (group.manager_agent_id) {
    const pending = await tx.jobs.list({
      concurrency_key: sleeptimeJobKey(group.manager_agent_id),
      statuses: ["queued", "running"],
    });
    for (const job of pending) await tx.jobs.cancel(job.id, now);
  }
  for (const agentId of group.agent_ids) {
    if (agentId === group.manager_agent_id) continue;
    const own = await tx.blocks.listForAgent(agentId);
    for (const block of own) {
      const users = await tx.blocks.agentIds(block.id, { limit: 2 });
      if (users.length === 1 && users[0] === agentId) await tx.blocks.delete(block.id);
    }
    await tx.agents.delete(agentId);
  }
  await tx.groups.delete(group.id);
  if (group.manager_agent_id && (await tx.agents.get(group.manager_agent_id))) {
    await tx.agents.update(group.manager_agent_id, { enable_sleeptime: false });
  }
}

/** Removes every sleep-time pairing the agent takes part in, as primary or as sleep-time agent. */
export async function removeSleeptimeGroupsOf(tx: Store, agentId: string, deps: Pick<Deps, "clock">) {
  const groups = await tx.groups.listForAgent(agentId);
  for (const group of groups) {
    if (group.manager_type === "sleeptime") await disableSleeptime(tx, group, deps);
  }
}

/**
 * Keeps the sleep-time agent on the primary's current blocks, as Letta does when a block is attached to
 * or detached from the primary: blocks the primary has are shared with it, blocks the primary no longer
 * has are detached from it; its own `memory_persona` stays, and a label it already uses is not taken.
 * Without `sleeperId`, the primary's sleep-time agent if it has one.
 */
export async function syncSleeptimeBlocks(
  store: Store,
  primaryId: string,
  sleeperId?: string,
): Promise<void> {
  const sleeper =
    sleeperId ?? (await managedSleeptimeGroup(store, primaryId))?.agent_ids.find((id) => id !== primaryId);
  if (!sleeper) return;
  const [primaryBlocks, sleeperBlocks] = await Promise.all([
    store.blocks.listForAgent(primaryId),
    store.blocks.listForAgent(sleeper),
  ]);
  const shared = new Set(primaryBlocks.map((block) => block.id));
  const kept = sleeperBlocks.filter((block) => shared.has(block.id) || block.label === "memory_persona");
  for (const block of sleeperBlocks) {
    if (!kept.includes(block)) await store.blocks.detach(sleeper, block.id);
  }
  const ids = new Set(kept.map((block) => block.id));
  const labels = new Set(kept.map((block) => block.label));
  for (const block of primaryBlocks) {
    if (!ids.has(block.id) && !labels.has(block.label)) await store.blocks.attach(sleeper, block.id);
  }
}
