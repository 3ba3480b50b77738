import type { Clock } from "../../domain/index.js";
import type { Store } from "../../store/store.js";
import { recoverInterruptedRuns } from "../agent-loop/recovery.js";
import type { TurnLocks } from "../agent-loop/turn-locks.js";

/** Default pause between two looks for runs a dead replica left unfinished. */
export const DEFAULT_RUN_RECOVERY_MS = 10_000;

/** Settles, while the server runs, the runs another replica left unfinished when it died. */
export interface RunRecovery {
  /** Starts the periodic look; idempotent. Does nothing on a store no other process shares. */
  start(): void;
  /** Stops looking and waits for a look in progress. */
  stop(): Promise<void>;
  /** One look now: the ids of the runs settled. */
  sweep(): Promise<string[]>;
}

/**
 * Replicas share one PostgreSQL database. A replica that dies (SIGKILL, a lost machine) releases its
 * turn locks with its connection, but its runs stay `running`: another replica settles them here,
 * every `intervalMs`, through the same turn locks its own turns take, so a run some live replica is
 * executing is never touched. A store without database-wide locks (SQLite) belongs to one server,
 * whose start-up recovery is enough; there this does nothing.
 */
export function createRunRecovery(deps: {
  store: Store;
  clock: Clock;
  locks: TurnLocks;
  intervalMs?: number | undefined;
  onError?: ((error: unknown) => void) | undefined;
}): RunRecovery {
  const intervalMs = deps.intervalMs ?? DEFAULT_RUN_RECOVERY_MS;
  const onError =
    deps.onError ?? ((error: unknown) => console.error("run recovery: settling dead runs failed:", error));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let started = false;

  const sweep = () => recoverInterruptedRuns(deps.store, deps.clock, deps.locks);

  function schedule(): void {
    if (!started) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = sweep()
        .catch(onError)
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs);
    timer.unref();
  }

  return {
    start() {
      if (started || !deps.store.locks) return;
      started = true;
      schedule();
    },
    async stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
    sweep,
  };
}
