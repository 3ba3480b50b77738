import { ReverieError } from "./errors.js";

/**
 * The deepest nesting of objects and arrays a request may carry. Letta's own documents (agents, tool
 * schemas, Agent Files) stay far below it; far deeper input overflows the stack of every recursive
 * walk that follows parsing (validation, JSON.stringify, the stores) and answered 500.
 */
export const MAX_JSON_DEPTH = 128;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The nesting depth of JSON text, measured without parsing (a loop, no recursion) and stopping as soon
 * as it passes `limit`. Malformed text gets a number too; the parser reports what is wrong with it.
 * Strings are skipped with `indexOf` (a 10 MB string value is one native search, not ten million
 * steps of this loop).
 */
export function jsonNestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      index = closingQuote(text, index + 1);
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/** The index of the quote that ends the string starting at `from` (the text's length if none does). */
function closingQuote(text: string, from: number): number {
  let quote = text.indexOf('"', from);
  while (quote !== -1) {
    // A quote preceded by an odd run of backslashes is escaped.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/** Throws a 422 naming the limit when `text` nests deeper than {@link MAX_JSON_DEPTH}. */
export function assertJsonDepth(text: string, what: string): void {
  if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ReverieError(
      "validation",
      `${what} nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; flatten it`,
    );
  }
}

/**
 * Removes U+0000 from a string. Reverie's one rule for NUL: it is dropped from every string of every
 * request (values, keys, labels, names, query and path parameters), as Letta drops it from block
 * values, because PostgreSQL text cannot hold it and both stores must keep the same data.
 */
export function stripNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
}

/** {@link stripNul} applied to every string and key of a parsed JSON value (depth already bounded). */
export function stripNulDeep(value: unknown): unknown {
  if (typeof value === "string") return stripNul(value);
  if (Array.isArray(value)) return value.map(stripNulDeep);
  if (value !== null && typeof value === "object") {
    // fromEntries defines own properties, so a `__proto__` key stays a key.
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [stripNul(key), stripNulDeep(entry)]),
    );
  }
  return value;
}

/**
 * Parses JSON text from a request: nesting bounded (422), NUL removed from every string. Only text that
 * spells `\u0000` is walked, so ordinary bodies cost one scan and one parse.
 */
export function parseRequestJson(text: string, what: string): unknown {
  assertJsonDepth(text, what);
  const value: unknown = JSON.parse(text);
  return text.includes("\\u0000") ? stripNulDeep(value) : value;
}
