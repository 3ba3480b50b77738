// LoCoMo (Maharana et al. 2024) as the benchmarks read it. The data set is licensed CC BY-NC 4.0: it is
// benchmark input only, read from outside the repository (../shared/data/locomo10.json by default) and
// never part of the package.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { EmbeddingConfig } from "../../src/domain/index.js";
import type { Embedder } from "../../src/llm/providers/embeddings.js";

export const DEFAULT_LOCOMO_PATH = join(import.meta.dirname, "../../../shared/data/locomo10.json");

export interface LocomoTurn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}
export interface LocomoQuestion {
  question: string;
  answer?: unknown;
  adversarial_answer?: unknown;
  evidence?: string[];
  category: number;
}
export interface LocomoSample {
  sample_id: string;
  qa: LocomoQuestion[];
  conversation: Record<string, unknown> & { speaker_a: string; speaker_b: string };
}

/**
 * The held-out part fusion and reranking were tuned on (the first three conversations, 495 of the 1,982
 * questions with evidence); every number the README reports is on the other seven, the test part.
 */
export const DEV_SAMPLES: ReadonlySet<string> = new Set(["conv-26", "conv-30", "conv-41"]);

export type LocomoSplit = "dev" | "test" | "all";

export function readLocomo(path: string, split: LocomoSplit): LocomoSample[] {
  const samples = JSON.parse(readFileSync(path, "utf8")) as LocomoSample[];
  if (split === "all") return samples;
  return samples.filter((sample) => DEV_SAMPLES.has(sample.sample_id) === (split === "dev"));
}

/** `1:56 pm on 8 May, 2023` as a Date (UTC). */
export function sessionTime(text: string): Date {
  const match = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+(\w+),?\s+(\d{4})/i.exec(text);
  if (!match) throw new Error(`unreadable session time '${text}'`);
  const [, hour, minute, half, day, month, year] = match as unknown as string[];
  const monthIndex = new Date(`${month} 1, 2000`).getMonth();
  const hours = (Number(hour) % 12) + ((half ?? "").toLowerCase() === "pm" ? 12 : 0);
  return new Date(Date.UTC(Number(year), monthIndex, Number(day), hours, Number(minute)));
}

/** Evidence ids as written (`D8:6; D9:17`, `D:11:26`, `D9:1 D4:4`) normalized to `D<session>:<turn>`. */
export function evidenceIds(evidence: readonly string[]): string[] {
  return evidence.flatMap((entry) =>
    entry.split(/[\s;,]+/).flatMap((id) => {
      const match = /^D:?(\d+):(\d+)$/.exec(id);
      return match ? [`D${match[1]}:${match[2]}`] : [];
    }),
  );
}

/** A turn in order, with its session, its time (session start + one minute per turn) and its text. */
export interface StoredTurn extends LocomoTurn {
  session: number;
  at: Date;
  /** What is stored as the message: `Speaker: text`, and the shared photo's caption. */
  content: string;
}

export function turnsOf(sample: LocomoSample): StoredTurn[] {
  const turns: StoredTurn[] = [];
  for (let session = 1; Array.isArray(sample.conversation[`session_${session}`]); session++) {
    const start = sessionTime(String(sample.conversation[`session_${session}_date_time`]));
    const sessionTurns = sample.conversation[`session_${session}`] as LocomoTurn[];
    sessionTurns.forEach((turn, index) => {
      const photo = turn.blip_caption ? ` [shares a photo of ${turn.blip_caption}]` : "";
      turns.push({
        ...turn,
        session,
        at: new Date(start.getTime() + index * 60_000),
        content: `${turn.speaker}: ${turn.text}${photo}`,
      });
    });
  }
  return turns;
}

/**
 * An Embedder that remembers what a real model returned, on disk (`.cache/bench-embeddings/`), so
 * that rerunning a benchmark does not embed 5,882 messages again. Keyed by model and text.
 */
export function cachingEmbedder(inner: Embedder, label: string): Embedder & { save(): void } {
  const file = join(
    import.meta.dirname,
    "../../.cache/bench-embeddings",
    `${label.replace(/[^a-z0-9.-]+/gi, "_")}.json`,
  );
  const cache = new Map<string, number[]>(
    existsSync(file) ? (Object.entries(JSON.parse(readFileSync(file, "utf8"))) as [string, number[]][]) : [],
  );
  const keyOf = (text: string) => createHash("sha1").update(text).digest("base64");
  return {
    async embed(texts, model: string | EmbeddingConfig, options) {
      const missing = [...new Set(texts.filter((text) => !cache.has(keyOf(text))))];
      if (missing.length > 0) {
        const vectors = await inner.embed(missing, model, options);
        missing.forEach((text, index) => {
          cache.set(
            keyOf(text),
            (vectors[index] ?? []).map((value) => Math.round(value * 1e6) / 1e6),
          );
        });
      }
      return texts.map((text) => cache.get(keyOf(text)) ?? []);
    },
    close: () => inner.close?.() ?? Promise.resolve(),
    save() {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(Object.fromEntries(cache)));
    },
  };
}
