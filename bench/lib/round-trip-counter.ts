import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

type Method = (...args: unknown[]) => unknown;

/** Replaces `names` on `target` by counting wrappers; returns what restores them. */
function countCalls(
  target: Record<string, Method>,
  names: readonly string[],
  onCall: () => void,
): () => void {
  const originals = names.map((name) => [name, target[name] as Method] as const);
  for (const [name, original] of originals) {
    target[name] = function (this: unknown, ...args: unknown[]) {
      onCall();
      return original.apply(this, args);
    };
  }
  return () => {
    for (const [name, original] of originals) target[name] = original;
  };
}

/**
 * Counts the SQL statements run while `fn` runs, by patching the drivers for its duration:
 * `pg.Client#query` (each call one round trip to the server) and the execution methods of
 * better-sqlite3's statements (which are prepared once and reused). Diagnostics only: never use it
 * around timed code.
 */
export async function countStatements<T>(fn: () => Promise<T>): Promise<{ value: T; statements: number }> {
  let statements = 0;
  const probe = new BetterSqlite3(":memory:");
  const statementPrototype = Object.getPrototypeOf(probe.prepare("select 1")) as Record<string, Method>;
  probe.close();
  const restores = [
    countCalls(pg.Client.prototype as unknown as Record<string, Method>, ["query"], () => statements++),
    countCalls(statementPrototype, ["run", "all", "get", "iterate"], () => statements++),
  ];
  try {
    const value = await fn();
    return { value, statements };
  } finally {
    for (const restore of restores) restore();
  }
}
