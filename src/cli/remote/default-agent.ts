/** The blocks an agent made from the command line starts with. */
export const DEFAULT_BLOCKS = {
  persona: "I am a helpful assistant with a long memory. I keep notes about the people I talk with.",
  human: "Nothing is known about the user yet.",
} as const;
