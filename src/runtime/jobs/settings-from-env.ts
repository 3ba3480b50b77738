import type { ServiceDeps } from "../services.js";

function readNumber(
  env: Record<string, string | undefined>,
  name: string,
  options: { min: number; integer?: boolean },
): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < options.min || (options.integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be ${options.integer ? "an integer" : "a number"} of at least ${options.min}, got '${raw}'`,
    );
  }
  return value;
}

/**
 * Background work settings from the environment: the worker's concurrency, lease and poll interval
 * (`REVERIE_JOB_CONCURRENCY`, `REVERIE_JOB_LEASE_MS`, `REVERIE_JOB_POLL_MS`), how often a replica looks
 * for runs a dead replica left unfinished (`REVERIE_RUN_RECOVERY_MS`), and the sleep-time
 * triggers and budgets (`REVERIE_SLEEPTIME_IDLE_SECONDS`, `REVERIE_SLEEPTIME_MAX_STEPS`,
 * `REVERIE_SLEEPTIME_MAX_TOKENS`). Unset variables keep the defaults; bad ones stop the start-up.
 */
export function backgroundSettingsFromEnv(
  env: Record<string, string | undefined>,
): Pick<ServiceDeps, "worker" | "sleeptime"> {
  const concurrency = readNumber(env, "REVERIE_JOB_CONCURRENCY", { min: 1, integer: true });
  const leaseMs = readNumber(env, "REVERIE_JOB_LEASE_MS", { min: 100, integer: true });
  const pollMs = readNumber(env, "REVERIE_JOB_POLL_MS", { min: 10, integer: true });
  const runRecoveryMs = readNumber(env, "REVERIE_RUN_RECOVERY_MS", { min: 100, integer: true });
  const idleSeconds = readNumber(env, "REVERIE_SLEEPTIME_IDLE_SECONDS", { min: 0 });
  const maxSteps = readNumber(env, "REVERIE_SLEEPTIME_MAX_STEPS", { min: 1, integer: true });
  const maxTokens = readNumber(env, "REVERIE_SLEEPTIME_MAX_TOKENS", { min: 1, integer: true });
  return {
    worker: {
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(leaseMs === undefined ? {} : { leaseMs }),
      ...(pollMs === undefined ? {} : { pollMs }),
      ...(runRecoveryMs === undefined ? {} : { runRecoveryMs }),
    },
    sleeptime: {
      ...(idleSeconds === undefined ? {} : { idleMs: idleSeconds * 1000 }),
      ...(maxSteps === undefined ? {} : { maxSteps }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
    },
  };
}
