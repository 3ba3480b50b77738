import type { Interface } from "node:readline";

/** Reads lines one at a time, keeping what the user typed ahead while a turn was still streaming. */
export interface LineReader {
  /** The next line; shows the prompt only when nothing typed ahead is waiting. Undefined once input closed. */
  next(prompt: string): Promise<string | undefined>;
}

/**
 * readline's `question()` drops a line entered while no question is pending, so a command typed while a reply
 * streams would vanish. Every line is queued here instead and handed out in order.
 */
export function createLineReader(input: Interface): LineReader {
  const typedAhead: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  input.on("line", (line: string) => {
    const resolve = waiting;
    waiting = undefined;
    if (resolve) resolve(line);
    else typedAhead.push(line);
  });
  input.once("close", () => {
    closed = true;
    const resolve = waiting;
    waiting = undefined;
    resolve?.(undefined);
  });
  return {
    next(prompt) {
      const queued = typedAhead.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (closed) return Promise.resolve(undefined);
      input.setPrompt(prompt);
      input.prompt();
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
  };
}
