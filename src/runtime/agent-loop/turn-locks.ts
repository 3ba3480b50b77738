import { ReverieError } from "../../domain/index.js";

/** A held turn: released when the turn ends, whatever happened. */
export interface TurnLease {
  readonly runId: string;
  release(): Promise<void>;
}

/**
 * One turn at a time per agent (per conversation). The in-process registry answers at once; a store
 * that spans processes (PostgreSQL) adds its own lock through `acrossProcesses`.
 */
export interface TurnLocks {
  /** Takes the lock for `key` on behalf of `runId`, or throws Letta's 409 if another turn holds it. */
  acquire(key: string, runId: string): Promise<TurnLease>;
  /** The run holding `key` in this process, if any. */
  holder(key: string): string | undefined;
}

/** A lock shared by every process on the same database; undefined when another process holds it. */
export type CrossProcessLock = (key: string) => Promise<{ release(): Promise<void> } | undefined>;

/** Letta's 409 detail for a busy agent or conversation (letta-code looks for "is currently being processed"). */
export function busyError(key: string, runId: string | undefined): ReverieError {
  const [agentId, conversation] = key.split("|");
  const subject =
    conversation && conversation !== "default" ? `Conversation ${conversation}` : `Agent ${agentId}`;
  const suffix = runId ? ` (run_id=${runId})` : "";
  return new ReverieError(
    "busy",
    `${subject} is currently being processed by another request${suffix}. Wait for that run to finish or cancel it, then try again.`,
    { details: runId ? { run_id: runId } : {} },
  );
}

/** The lock key of an agent's default window or one of its conversations. */
export function turnKey(agentId: string, conversationId: string | null | undefined): string {
  return `${agentId}|${conversationId ?? "default"}`;
}

/** The run another process is executing under a lock key, looked up for its 409 (undefined: unknown). */
export type HolderLookup = (key: string) => Promise<string | undefined>;

/**
 * Builds the registry; `acrossProcesses` is the store's database-wide lock, if it has one, and
 * `findHolder` names the run of a window another process holds, so that a busy agent gets the same
 * answer whichever replica the request reached.
 */
export function createTurnLocks(acrossProcesses?: CrossProcessLock, findHolder?: HolderLookup): TurnLocks {
  const held = new Map<string, string>();
  return {
    holder: (key) => held.get(key),
    async acquire(key, runId) {
      const current = held.get(key);
      if (current !== undefined) throw busyError(key, current);
      held.set(key, runId);
      let shared: { release(): Promise<void> } | undefined;
      if (acrossProcesses) {
        try {
          shared = await acrossProcesses(key);
        } catch (error) {
          held.delete(key);
          throw error;
        }
        if (!shared) {
          held.delete(key);
          throw busyError(key, await findHolder?.(key).catch(() => undefined));
        }
      }
      let released = false;
      return {
        runId,
        async release() {
          if (released) return;
          released = true;
          if (held.get(key) === runId) held.delete(key);
          await shared?.release();
        },
      };
    },
  };
}
