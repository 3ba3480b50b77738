const ADJECTIVES = [
  "amber",
  "brave",
  "calm",
  "clever",
  "curious",
  "daring",
  "eager",
  "gentle",
  "golden",
  "happy",
  "honest",
  "jolly",
  "keen",
  "kind",
  "lively",
  "lucky",
  "mellow",
  "nimble",
  "patient",
  "polite",
  "quick",
  "quiet",
  "rapid",
  "serene",
  "silver",
  "steady",
  "sunny",
  "swift",
  "tidy",
  "vivid",
  "warm",
  "witty",
];

const NOUNS = [
  "badger",
  "beacon",
  "canyon",
  "cedar",
  "comet",
  "coral",
  "falcon",
  "fern",
  "harbor",
  "heron",
  "island",
  "lantern",
  "maple",
  "meadow",
  "nebula",
  "otter",
  "pebble",
  "quill",
  "raven",
  "river",
  "robin",
  "sparrow",
  "spruce",
  "summit",
  "thistle",
  "tiger",
  "tundra",
  "valley",
  "willow",
  "wren",
  "zephyr",
  "orchid",
];

/**
 * A readable default agent name, `adjective-noun-xxxx`, derived from the agent id so that it is
 * stable under an injected id generator and practically unique (the suffix comes from the uuid).
 */
export function generateAgentName(agentId: string): string {
  const hex = agentId.replace(/[^0-9a-f]/gi, "").toLowerCase();
  const take = (from: number, length: number): number =>
    Number.parseInt(hex.slice(from, from + length) || "0", 16);
  const adjective = ADJECTIVES[take(0, 4) % ADJECTIVES.length];
  const noun = NOUNS[take(4, 4) % NOUNS.length];
  const suffix = hex.slice(-4).padStart(4, "0");
  return `${adjective}-${noun}-${suffix}`;
}
