/**
 * The structured log every layer writes to: one JSON object of fields and a short message per line
 * (pino's `Logger` satisfies it). Fields never hold secrets, request bodies or message text.
 */
export interface Log {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A log that drops every line (in-process tools and tests that do not look at the log). */
export const silentLog: Log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Warnings and errors to the console, the rest dropped: the default of the embedded API. */
export const consoleLog: Log = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};
