import { createRequire } from "node:module";
import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import { type BpeRanks, loadRanksInBackground } from "./bpe.js";
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

// Loading a rank table takes CPU and tens of MB, so each is loaded on first use (or warmed in the
// background) and shared by the whole process (the tables are immutable).
interface LoadedEncoding {
  ranks: () => BpeRanks;
  done: Promise<BpeRanks>;
  countTokens: (text: string) => number;
}
const loaded = new Map<EncodingName, LoadedEncoding>();
const references = new Map<EncodingName, Tiktoken>();
const require = createRequire(import.meta.url);

function rankData(name: EncodingName): TiktokenBPE {
  // The CommonJS build lets us load one table synchronously, only when it is needed.
  return require(`js-tiktoken/ranks/${name}`) as TiktokenBPE;
}

function load(name: EncodingName): LoadedEncoding {
  let encoding = loaded.get(name);
  if (encoding === undefined) {
    const data = rankData(name);
    const loading = loadRanksInBackground(data);
    let ranks: BpeRanks | undefined;
    const ranksNow = () => {
      ranks ??= loading.finishNow();
      return ranks;
    };
    void loading.done.then((table) => {
      ranks = table;
    });
    encoding = {
      ranks: ranksNow,
      done: loading.done,
      countTokens: createPiecewiseCounter(ranksNow, data.pat_str),
    };
    loaded.set(name, encoding);
  }
  return encoding;
}

/**
 * Loads encodings' rank tables a slice at a time without stalling the event loop (a server calls it at
 * start: built at once, o200k_base took seconds of CPU). A count before it is done finishes the load.
 */
export async function warmEncodings(
  names: readonly EncodingName[] = ["o200k_base", "cl100k_base"],
): Promise<void> {
  for (const name of names) await load(name).done;
}

/** js-tiktoken's tokenizer of an encoding (a reference for tests; its `encode` is super-linear on long runs). */
export function getEncoding(name: EncodingName): Tiktoken {
  let encoding = references.get(name);
  if (encoding === undefined) {
    encoding = new Tiktoken(rankData(name));
    references.set(name, encoding);
  }
  return encoding;
}

/** Counts the tokens of a text in an encoding in linear time (see `createPiecewiseCounter`). */
export function countEncodedTokens(name: EncodingName, text: string): number {
  return load(name).countTokens(text);
}
