import { createRequire } from "node:module";
import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import { createPiecewiseCounter } from "./piecewise-count.js";

/** The tiktoken encodings Reverie uses (both ship inside js-tiktoken; nothing is downloaded). */
export type EncodingName = "o200k_base" | "cl100k_base";

// Checked in order: the o200k families first, so `gpt-4o` is not taken for `gpt-4`.
const MODEL_ENCODINGS: readonly [RegExp, EncodingName][] = [
  [/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)(\b|-|$)/, "o200k_base"],
  [/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)(\b|-|$)/, "cl100k_base"],
];

/**
 * The encoding of an OpenAI model id (`gpt-4o-mini`, `o3`, `text-embedding-3-small`; a fine-tune
 * `ft:gpt-4o-mini:org::id` counts as its base model), or undefined when the model is not OpenAI's.
 */
export function encodingForModel(modelId: string): EncodingName | undefined {
  const id = modelId.toLowerCase().replace(/^ft:/, "");
  return MODEL_ENCODINGS.find(([pattern]) => pattern.test(id))?.[1];
}

// Loading a rank table takes a second or two of CPU and tens of MB, so each is loaded on first use and
// shared by the whole process (the tables are immutable).
interface LoadedEncoding {
  tiktoken: Tiktoken;
  countTokens: (text: string) => number;
}
const loaded = new Map<EncodingName, LoadedEncoding>();
const require = createRequire(import.meta.url);

function load(name: EncodingName): LoadedEncoding {
  let encoding = loaded.get(name);
  if (encoding === undefined) {
    // The CommonJS build lets us load one table synchronously, only when it is needed.
    const ranks = require(`js-tiktoken/ranks/${name}`) as TiktokenBPE;
    const tiktoken = new Tiktoken(ranks);
    // Special-token text counts as plain text: it comes from users, not from us.
    const encode = (text: string) => tiktoken.encode(text, [], []).length;
    encoding = { tiktoken, countTokens: createPiecewiseCounter(encode, ranks.pat_str) };
    loaded.set(name, encoding);
  }
  return encoding;
}

/** The tokenizer of an encoding, loaded on first use and cached. Its `encode` is super-linear on long runs. */
export function getEncoding(name: EncodingName): Tiktoken {
  return load(name).tiktoken;
}

/** Counts the tokens of a text in an encoding in linear time (see `createPiecewiseCounter`). */
export function countEncodedTokens(name: EncodingName, text: string): number {
  return load(name).countTokens(text);
}
