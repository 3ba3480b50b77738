// What the text a message's vector is made from does to recall on LoCoMo: each variant below embeds
// every turn differently (alone; after or before the turn that precedes it, within its session or not),
// and each question's candidates are ranked as recall search ranks them (bm25 from the SQLite store,
// exact cosine over the variant's vectors, min-max fusion and neighbour smoothing over a small grid).
// Tune on the dev part only (conv-26, conv-30, conv-41); the product's choice, `selfprev` (its own
// words, then the previous turn: turnEmbeddingText), is then measured on the test part by
// bench/locomo-retrieval.ts. Vectors are cached in .cache/bench-embeddings/ under their own label.
//
// Usage: npx tsx bench/locomo-explore.ts [--split dev|test] [--variants plain,prev,prevany,selfprev,next]
import { parseArgs } from "node:util";
import { newMessageRecord, randomIds, systemClock } from "../src/domain/index.js";
import { createModelRegistry } from "../src/llm/model-registry.js";
import { providerConfigFromEnv } from "../src/llm/provider-config.js";
import { createEmbedder } from "../src/llm/providers/embeddings.js";
import { type FusionSettings, fuseScored, type ScoredHit } from "../src/runtime/search/fusion.js";
import { createServices } from "../src/runtime/services.js";
import { upsertBaseTools } from "../src/runtime/tools/base-tools.js";
import { openBenchSqlite } from "./lib/bench-stores.js";
import {
  cachingEmbedder,
  DEFAULT_LOCOMO_PATH,
  evidenceIds,
  readLocomo,
  type StoredTurn,
  turnsOf,
} from "./lib/locomo.js";
import { createScriptedProvider } from "./lib/scripted-provider.js";

const { values: args } = parseArgs({
  options: {
    embedding: { type: "string", default: "local/all-MiniLM-L6-v2" },
    split: { type: "string", default: "dev" },
    variants: { type: "string", default: "plain,selfprev" },
  },
});
const POOL = 50;

type Variant = (turns: StoredTurn[], index: number) => string;
const VARIANTS: Record<string, Variant> = {
  /** The turn alone (before). */
  plain: (turns, i) => turns[i]?.content ?? "",
  /** The previous turn of the same session, then this one. */
  prev: (turns, i) => {
    const before = i > 0 && turns[i - 1]?.session === turns[i]?.session ? `${turns[i - 1]?.content}\n` : "";
    return `${before}${turns[i]?.content}`;
  },
  /** The previous turn whatever its session, then this one. */
  prevany: (turns, i) => `${i > 0 ? `${turns[i - 1]?.content}\n` : ""}${turns[i]?.content}`,
  /** This turn, then the previous one (the product's turnEmbeddingText). */
  selfprev: (turns, i) => `${turns[i]?.content}${i > 0 ? `\n${turns[i - 1]?.content}` : ""}`,
  /** This turn, then the next one of its session (not available when a message is embedded). */
  next: (turns, i) => {
    const after = turns[i + 1]?.session === turns[i]?.session ? `\n${turns[i + 1]?.content}` : "";
    return `${turns[i]?.content}${after}`;
  },
};

interface Case {
  sample: string;
  question: string;
  category: number;
  wanted: Set<string>;
  text: ScoredHit<string>[];
  vectors: Record<string, ScoredHit<string>[]>;
  order: Map<string, number>;
  byOrder: string[];
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

const providers = providerConfigFromEnv(process.env);
const config = await createModelRegistry(providers).resolveEmbedding(args.embedding);
const embedder = cachingEmbedder(createEmbedder({ providers }), `${args.embedding}-explore`);
const variants = args.variants.split(",");

async function collect(): Promise<Case[]> {
  const bench = await openBenchSqlite();
  const { store } = bench;
  await upsertBaseTools(store, { clock: systemClock, ids: randomIds });
  const services = createServices({
    store,
    models: createModelRegistry({ ...providers, openai: { apiKey: "sk-bench-not-used" } }),
    clock: systemClock,
    ids: randomIds,
    provider: createScriptedProvider(),
  });
  const cases: Case[] = [];
  try {
    for (const sample of readLocomo(DEFAULT_LOCOMO_PATH, args.split as "dev")) {
      const agent = await services.agents.create({ name: sample.sample_id, model: "openai/gpt-4o-mini" });
      const turns = turnsOf(sample);
      const idOf = new Map<string, string>();
      const byOrder: string[] = [];
      const records = turns.map((turn) => {
        const id = randomIds.next("message");
        idOf.set(turn.dia_id, id);
        byOrder.push(id);
        return newMessageRecord({
          id,
          agent_id: agent.id,
          role: turn.speaker === sample.conversation.speaker_a ? "user" : "assistant",
          created_at: turn.at.toISOString(),
          content: [{ type: "text", text: turn.content }],
        });
      });
      await store.messages.append(records);
      const docVectors: Record<string, number[][]> = {};
      for (const variant of variants) {
        const make = VARIANTS[variant];
        if (!make) throw new Error(`unknown variant ${variant}`);
        docVectors[variant] = await embedder.embed(
          turns.map((_, i) => make(turns, i)),
          config,
        );
        embedder.save();
      }
      const order = new Map(byOrder.map((id, index) => [id, index]));
      for (const question of sample.qa) {
        const wanted = new Set(evidenceIds(question.evidence ?? []).flatMap((dia) => idOf.get(dia) ?? []));
        if (wanted.size === 0) continue;
        const [qv] = await embedder.embed([question.question], config);
        const text = await store.messages.searchText({
          agent_id: agent.id,
          roles: ["user", "assistant"],
          limit: POOL,
          query: question.question,
        });
        const vectors: Record<string, ScoredHit<string>[]> = {};
        for (const variant of variants) {
          vectors[variant] = (docVectors[variant] ?? [])
            .map((v, i) => ({ item: byOrder[i] as string, score: cosine(qv ?? [], v) }))
            .sort((a, b) => b.score - a.score)
            .slice(0, POOL);
        }
        cases.push({
          sample: sample.sample_id,
          question: question.question,
          category: question.category,
          wanted,
          text: text.map((hit) => ({ item: hit.message.id, score: hit.rank })),
          vectors,
          order,
          byOrder,
        });
      }
      console.error(`  ${sample.sample_id}: ${turns.length} turns`);
    }
    embedder.save();
  } finally {
    await bench.dispose();
  }
  return cases;
}

function recallAt(cases: Case[], rank: (c: Case) => string[], k = 10, category?: number): number {
  let sum = 0;
  let count = 0;
  for (const c of cases) {
    if (category !== undefined && c.category !== category) continue;
    const top = rank(c).slice(0, k);
    sum += top.filter((id) => c.wanted.has(id)).length / c.wanted.size;
    count++;
  }
  return count === 0 ? 0 : Math.round((sum / count) * 1000) / 1000;
}

const smoothed =
  (variant: string, settings: Partial<FusionSettings>, beta: number) =>
  (c: Case): string[] => {
    const hits = fuseScored((id: string) => id, c.vectors[variant] ?? [], c.text, settings, POOL);
    if (beta === 0) return hits.map((h) => h.item);
    const scoreOf = new Map(hits.map((hit) => [hit.item, hit.score]));
    const min = Math.min(...hits.map((hit) => hit.score));
    return hits
      .map((hit) => {
        const at = c.order.get(hit.item) ?? 0;
        const around = [c.byOrder[at - 1], c.byOrder[at + 1]].map((id) =>
          id ? (scoreOf.get(id) ?? min) : min,
        );
        return { item: hit.item, score: hit.score + beta * (Math.max(...around) - min) };
      })
      .sort((a, b) => b.score - a.score)
      .map((hit) => hit.item);
  };

const cases = await collect();
await embedder.close?.();
console.log(`\n${cases.length} questions (${args.split}), pool ${POOL}\n`);
const report = (label: string, rank: (c: Case) => string[]) => {
  const cats = [1, 2, 3, 4, 5].map((cat) => recallAt(cases, rank, 10, cat)).join(" / ");
  console.log(`| ${label} | ${recallAt(cases, rank, 5)} | ${recallAt(cases, rank, 10)} | ${cats} |`);
};
console.log("| ranking | recall@5 | recall@10 | recall@10 by category 1 / 2 / 3 / 4 / 5 |");
console.log("|---|---|---|---|");
report("full text", (c) => c.text.map((hit) => hit.item));
for (const variant of variants) {
  report(`vector ${variant}`, (c) => (c.vectors[variant] ?? []).map((hit) => hit.item));
  for (const weight of [0.3, 0.4, 0.5, 0.6]) {
    for (const beta of [0, 0.3, 0.5, 0.7]) {
      report(
        `${variant} minmax w${weight} n${beta}`,
        smoothed(variant, { method: "minmax", vectorWeight: weight }, beta),
      );
    }
  }
}
