// Tunes recall fusion on the held-out part of LoCoMo (conv-26, conv-30, conv-41; see DEV_SAMPLES) and
// shows what each choice does. For every question it takes the two candidate pools the product search
// takes (full text with bm25 scores, vectors with cosine distances), then scores fusion functions over a
// grid offline. Numbers are recall@10 of the evidence turns on the dev part; the chosen setting is then
// shown once on the test part (the README reports the test part through bench/locomo-retrieval.ts).
//
// Usage: npx tsx bench/locomo-tune.ts [--embedding local/all-MiniLM-L6-v2] [--split dev|test|all]
import { parseArgs } from "node:util";
import { newMessageRecord, randomIds, systemClock } from "../src/domain/index.js";
import { createModelRegistry } from "../src/llm/model-registry.js";
import { providerConfigFromEnv } from "../src/llm/provider-config.js";
import { createEmbedder } from "../src/llm/providers/embeddings.js";
import { embedAgentMessages } from "../src/runtime/recall/message-embedding.js";
import { type FusionSettings, fuseScored, type ScoredHit } from "../src/runtime/search/fusion.js";
import { createServices } from "../src/runtime/services.js";
import { upsertBaseTools } from "../src/runtime/tools/base-tools.js";
import { openBenchSqlite } from "./lib/bench-stores.js";
import { cachingEmbedder, DEFAULT_LOCOMO_PATH, evidenceIds, readLocomo, turnsOf } from "./lib/locomo.js";
import { createScriptedProvider } from "./lib/scripted-provider.js";

const { values: args } = parseArgs({
  options: {
    embedding: { type: "string", default: "local/all-MiniLM-L6-v2" },
    split: { type: "string", default: "dev" },
    pool: { type: "string", default: "50" },
    wide: { type: "boolean", default: false },
  },
});
const POOL = Number(args.pool);

interface Case {
  category: number;
  wanted: Set<string>;
  text: ScoredHit<string>[];
  vector: ScoredHit<string>[];
  /** Message id -> position in its conversation, for neighbour lookups. */
  order: Map<string, number>;
  byOrder: string[];
}

async function collect(split: "dev" | "test" | "all"): Promise<Case[]> {
  const providers = providerConfigFromEnv(process.env);
  const config = await createModelRegistry(providers).resolveEmbedding(args.embedding);
  const embedder = cachingEmbedder(createEmbedder({ providers }), args.embedding);
  const bench = await openBenchSqlite();
  const { store } = bench;
  await upsertBaseTools(store, { clock: systemClock, ids: randomIds });
  const services = createServices({
    store,
    // The agents' chat model is never called; their embedding model (e.g. local/...) must be known.
    models: createModelRegistry({ ...providers, openai: { apiKey: "sk-bench-not-used" } }),
    clock: systemClock,
    ids: randomIds,
    provider: createScriptedProvider(),
  });
  const cases: Case[] = [];
  try {
    for (const sample of readLocomo(DEFAULT_LOCOMO_PATH, split)) {
      const agent = await services.agents.create({
        name: sample.sample_id,
        model: "openai/gpt-4o-mini",
        embedding_config: config,
      });
      const agentId = agent.id;
      const turns = turnsOf(sample);
      const idOf = new Map<string, string>();
      const byOrder: string[] = [];
      const records = turns.map((turn) => {
        const id = randomIds.next("message");
        idOf.set(turn.dia_id, id);
        byOrder.push(id);
        return newMessageRecord({
          id,
          agent_id: agentId,
          role: turn.speaker === sample.conversation.speaker_a ? "user" : "assistant",
          created_at: turn.at.toISOString(),
          content: [{ type: "text", text: turn.content }],
        });
      });
      await store.messages.append(records);
      await embedAgentMessages({ store, embedder, agentId, config });
      const order = new Map(byOrder.map((id, index) => [id, index]));
      for (const question of sample.qa) {
        const wanted = new Set(evidenceIds(question.evidence ?? []).flatMap((dia) => idOf.get(dia) ?? []));
        if (wanted.size === 0) continue;
        const [vector] = await embedder.embed([question.question], config);
        const filter = { agent_id: agentId, roles: ["user", "assistant"] as const, limit: POOL };
        const text = await store.messages.searchText({
          ...filter,
          roles: [...filter.roles],
          query: question.question,
        });
        const near = await store.messages.searchVector({
          ...filter,
          roles: [...filter.roles],
          vector: vector ?? [],
        });
        cases.push({
          category: question.category,
          wanted,
          text: text.map((hit) => ({ item: hit.message.id, score: hit.rank })),
          vector: near.map((hit) => ({ item: hit.message.id, score: 1 - hit.distance })),
          order,
          byOrder,
        });
      }
      console.error(`  ${sample.sample_id}: ${turns.length} turns`);
    }
    embedder.save();
  } finally {
    await bench.dispose();
    await embedder.close?.();
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

const fused = (settings: Partial<FusionSettings>) => (c: Case) =>
  fuseScored((id: string) => id, c.vector, c.text, settings, POOL).map((hit) => hit.item);

/** Adds to each candidate `beta` times the best fused score of its neighbouring turns among the candidates. */
const smoothed = (settings: Partial<FusionSettings>, beta: number) => (c: Case) => {
  const hits = fuseScored((id: string) => id, c.vector, c.text, settings, POOL);
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

/** Recall@10 counting a hit's neighbouring turns (shown with it) as found too. */
function contextRecall(cases: Case[], rank: (c: Case) => string[], k = 10): number {
  let sum = 0;
  for (const c of cases) {
    const shown = new Set<string>();
    for (const id of rank(c).slice(0, k)) {
      const at = c.order.get(id) ?? 0;
      for (const near of [c.byOrder[at - 1], id, c.byOrder[at + 1]]) if (near) shown.add(near);
    }
    sum += [...c.wanted].filter((id) => shown.has(id)).length / c.wanted.size;
  }
  return Math.round((sum / Math.max(1, cases.length)) * 1000) / 1000;
}

const cases = await collect(args.split as "dev" | "test" | "all");
console.log(`\n${cases.length} questions (${args.split}), pool ${POOL}\n`);
const report = (label: string, rank: (c: Case) => string[]) => {
  const cats = [1, 2, 3, 4].map((cat) => recallAt(cases, rank, 10, cat)).join(" / ");
  console.log(
    `| ${label} | ${recallAt(cases, rank, 5)} | ${recallAt(cases, rank, 10)} | ${cats} | ${contextRecall(cases, rank)} |`,
  );
};
console.log(
  "| ranking | recall@5 | recall@10 | recall@10 by category 1 / 2 / 3 / 4 | recall@10 with neighbours |",
);
console.log("|---|---|---|---|---|");
report("full text", (c) => c.text.map((hit) => hit.item));
report("vector", (c) => c.vector.map((hit) => hit.item));
report("rrf k=60 (before)", fused({ method: "rrf", vectorWeight: 0.5 }));
const grid = args.wide === true;
for (const weight of grid ? [0.3, 0.4, 0.5, 0.6, 0.7] : [0.5]) {
  report(`weighted rrf, vector weight ${weight}`, fused({ method: "rrf", vectorWeight: weight }));
}
for (const method of ["minmax", "zscore"] as const) {
  for (const weight of [0.3, 0.4, 0.5, 0.6]) {
    for (const separation of [false, true]) {
      const settings = { method, vectorWeight: weight, separation };
      const label = `${method}, vector weight ${weight}${separation ? ", separation-weighted" : ""}`;
      if (grid) report(label, fused(settings));
      for (const beta of grid ? [0.3, 0.5, 0.7, 1.0] : [0.5, 0.7]) {
        report(`${label}, neighbours ${beta}`, smoothed(settings, beta));
      }
    }
  }
}
