import { randomUUID } from "node:crypto";

/** Id prefixes, as Letta spells them; every id is `<prefix>-<uuid>`. */
export const ID_PREFIXES = [
  "agent",
  "block",
  "message",
  "passage",
  "archive",
  "tool",
  "run",
  "step",
  "conv",
  "identity",
  "group",
  "job",
  "source",
  "file",
  "revision",
  "org",
  "apikey",
  "agent-env",
  "provider",
  "mcp_server",
] as const;

export type IdPrefix = (typeof ID_PREFIXES)[number];

/** Makes new ids; injected so tests can be deterministic. */
export interface IdGenerator {
  next(prefix: IdPrefix): string;
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const patterns = new Map<IdPrefix, RegExp>(
  ID_PREFIXES.map((prefix) => [prefix, new RegExp(`^${prefix}-${UUID}$`, "i")]),
);

/** The production id generator: a random UUID after the prefix. */
export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}-${randomUUID()}`,
};

/** Whether `value` is a well-formed id of the given kind. */
export function isId(prefix: IdPrefix, value: string): boolean {
  return patterns.get(prefix)?.test(value) ?? false;
}
