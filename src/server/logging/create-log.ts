import pino from "pino";
import type { Log } from "../../domain/index.js";

/** The levels `REVERIE_LOG_LEVEL` accepts, most to least verbose, and `silent`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level named by `REVERIE_LOG_LEVEL` (default `info`); anything else is refused with the list. */
export function logLevelFromEnv(env: Record<string, string | undefined>): LogLevel {
  const value = env.REVERIE_LOG_LEVEL?.trim().toLowerCase();
  if (value === undefined || value === "") return "info";
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new Error(
    `REVERIE_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(env.REVERIE_LOG_LEVEL)}`,
  );
}

/** Options of {@link createLog}. */
export interface CreateLogOptions {
  level: LogLevel;
  /** File descriptor written to (default 2, stderr: stdout keeps the CLI's own lines). */
  fd?: number;
}

/**
 * A pino log writing one JSON line per event, synchronously so that nothing is lost when the process
 * dies right after (the lines that matter most are the last ones).
 */
export function createLog(options: CreateLogOptions): Log {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: options.fd ?? 2, sync: true }),
  );
}
