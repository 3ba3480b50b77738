import {
  type BlockChange,
  type BlockRevision,
  type Clock,
  type Group,
  type GroupUpdate,
  type IdGenerator,
  type Job,
  notFound,
  ReverieError,
  type Run,
  type SleeptimeChanges,
} from "../../domain/index.js";
import type { GroupListQuery, Store } from "../../store/store.js";
import { lineDiff } from "../block-history/line-diff.js";
import { disableSleeptime, managedSleeptimeGroup, SLEEPTIME_RUN_TYPE } from "./sleeptime-agents.js";
import { type SleeptimeSettings, scheduleSleeptime } from "./sleeptime-jobs.js";

/** Sleep-time pairings: groups, consolidation on demand, and what the last one changed. */
export interface SleeptimeService {
  listGroups(query: GroupListQuery): Promise<Group[]>;
  countGroups(query?: Pick<GroupListQuery, "manager_type" | "project_id">): Promise<number>;
  getGroup(groupId: string): Promise<Group>;
  /** Groups the agent manages or belongs to; 404 for an unknown agent. */
  groupsOfAgent(agentId: string, managerType?: Group["manager_type"]): Promise<Group[]>;
  updateGroup(groupId: string, update: GroupUpdate): Promise<Group>;
  /** Deletes a group; a sleep-time group takes its sleep-time agent with it (sleep-time is turned off). */
  deleteGroup(groupId: string): Promise<void>;
  /** Queues consolidation now (or brings the queued job forward); the job of the agent's queue. */
  runNow(agentId: string): Promise<Job>;
  /** The block edits of the agent's latest sleep-time run, or of `runId`. */
  changes(agentId: string, runId?: string): Promise<SleeptimeChanges>;
}

/** What the sleep-time service is built from. */
export interface SleeptimeServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  settings: SleeptimeSettings;
}

/** Block revisions read per query when looking for a run's edits. */
const REVISION_PAGE = 200;

/** Builds the sleep-time service (groups, consolidation on demand, diffs). */
export function createSleeptimeService(deps: SleeptimeServiceDeps): SleeptimeService {
  const { store, clock } = deps;

  async function getGroup(groupId: string): Promise<Group> {
    const group = await store.groups.get(groupId);
    if (!group) throw notFound("Group", groupId);
    return group;
  }

  async function requireSleeptime(agentId: string): Promise<Group> {
    if (!(await store.agents.get(agentId))) throw notFound("Agent", agentId);
    const group = await managedSleeptimeGroup(store, agentId);
    if (!group) {
      throw new ReverieError(
        "invalid_argument",
        `Agent ${agentId} has no sleep-time agent: enable it with enable_sleeptime=true`,
      );
    }
    return group;
  }

  /**
   * The revisions `run` made to a block, oldest first. Pages back from the newest revision until one
   * older than the run: later edits (by the primary, by later runs) may be any number.
   */
  async function revisionsOfRun(blockId: string, run: Run): Promise<BlockRevision[]> {
    const found: BlockRevision[] = [];
    const runStart = Date.parse(run.created_at);
    let after: string | undefined;
    for (;;) {
      const page = await store.blocks.revisions(blockId, { order: "desc", limit: REVISION_PAGE, after });
      for (const revision of page) if (revision.run_id === run.id) found.push(revision);
      const oldest = page.at(-1);
      if (!oldest || page.length < REVISION_PAGE || Date.parse(oldest.created_at) < runStart) break;
      after = oldest.id;
    }
    return found.reverse();
  }

  return {
    listGroups: (query) => store.groups.list(query),
    countGroups: (query) => store.groups.count(query),
    getGroup,

    async groupsOfAgent(agentId, managerType) {
      if (!(await store.agents.get(agentId))) throw notFound("Agent", agentId);
      const groups = await store.groups.listForAgent(agentId);
      return managerType ? groups.filter((group) => group.manager_type === managerType) : groups;
    },

    async updateGroup(groupId, update) {
      const group = await getGroup(groupId);
      const patch = {
        description: update.description ?? undefined,
        sleeptime_agent_frequency: update.manager_config?.sleeptime_agent_frequency,
      };
      if (patch.sleeptime_agent_frequency !== undefined && group.manager_type !== "sleeptime") {
        throw new ReverieError(
          "invalid_argument",
          "sleeptime_agent_frequency applies to sleeptime groups only",
        );
      }
      const frequency = patch.sleeptime_agent_frequency;
      if (frequency !== undefined && frequency !== null && frequency < 1) {
        throw new ReverieError("invalid_argument", "sleeptime_agent_frequency must be at least 1");
      }
      const updated = await store.groups.update(groupId, {
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(frequency === undefined ? {} : { sleeptime_agent_frequency: frequency }),
      });
      if (!updated) throw notFound("Group", groupId);
      return updated;
    },

    async deleteGroup(groupId) {
      await store.transaction(async (tx) => {
        const group = await tx.groups.get(groupId);
        if (!group) throw notFound("Group", groupId);
        if (group.manager_type === "sleeptime") await disableSleeptime(tx, group, deps);
        else await tx.groups.delete(groupId);
      });
    },

    async runNow(agentId) {
      const group = await requireSleeptime(agentId);
      return store.transaction((tx) => scheduleSleeptime(tx, deps, group, "manual", clock.now()));
    },

    async changes(agentId, runId) {
      const group = await requireSleeptime(agentId);
      const sleeperIds = group.agent_ids.filter((id) => id !== agentId);
      const sleeperId = sleeperIds[0] ?? "";
      let run: Run | undefined;
      if (runId !== undefined) {
        run = await store.runs.get(runId);
        if (!run || !sleeperIds.includes(run.agent_id)) throw notFound("Sleep-time run", runId);
      } else {
        [run] = await store.runs.list({
          agent_ids: sleeperIds,
          run_type: SLEEPTIME_RUN_TYPE,
          order: "desc",
          limit: 1,
        });
      }
      if (!run) return { agent_id: agentId, sleeptime_agent_id: sleeperId, run: null, changes: [] };
      const changes: BlockChange[] = [];
      for (const block of await store.blocks.listForAgent(run.agent_id)) {
        const revisions = await revisionsOfRun(block.id, run);
        const first = revisions[0];
        const last = revisions.at(-1);
        if (!first || !last) continue;
        changes.push({
          block_id: block.id,
          label: last.new_label,
          before: first.old_value,
          after: last.new_value,
          diff: lineDiff(first.old_value ?? "", last.new_value),
          edits: revisions.length,
        });
      }
      return { agent_id: agentId, sleeptime_agent_id: run.agent_id, run, changes };
    },
  };
}
