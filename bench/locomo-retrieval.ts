// Recall retrieval quality on LoCoMo (Maharana et al. 2024): each of the 10 long conversations is stored
// as one agent's messages, embedded with the recall job's own code, and every question that names its
// evidence turns is asked of recall search in three modes (full text, vector, hybrid). Reports recall@5
// and recall@10 of the evidence turns, overall and per question category, the recall@10 counting the
// neighbouring turns each hit is shown with, and the search latency (including the query's embedding).
//
// Fusion was tuned on the held-out conversations (bench/locomo-tune.ts, --split dev); the default here
// is the other seven (--split test), the part the README reports. The data set is licensed CC BY-NC 4.0:
// benchmark input only, read from outside the repository (../shared/data/locomo10.json by default).
//
// Usage: npx tsx bench/locomo-retrieval.ts [--data path] [--backends sqlite,postgres] [--split test|dev|all]
//          [--embedding <handle>]   a real embedding model from the environment's providers, e.g.
//                                   local/all-MiniLM-L6-v2 (default: the tests' hashed bag-of-words fake)
// Real models' vectors are cached in .cache/bench-embeddings/ so a rerun does not embed again.
// PostgreSQL: REVERIE_BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/reverie_bench.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type EmbeddingConfig, newMessageRecord, randomIds, systemClock } from "../src/domain/index.js";
import { createModelRegistry } from "../src/llm/model-registry.js";
import { providerConfigFromEnv } from "../src/llm/provider-config.js";
import { createEmbedder, type Embedder } from "../src/llm/providers/embeddings.js";
import { embedAgentMessages } from "../src/runtime/recall/message-embedding.js";
import { type RecallSearchMode, searchRecall } from "../src/runtime/recall/recall-search.js";
import { createServices } from "../src/runtime/services.js";
import { upsertBaseTools } from "../src/runtime/tools/base-tools.js";
import { fakeEmbed } from "../test/fake-llm/embedder.js";
import {
  analyzeTables,
  type BenchStore,
  DEFAULT_POSTGRES_URL,
  openBenchPostgres,
  openBenchSqlite,
} from "./lib/bench-stores.js";
import {
  cachingEmbedder,
  DEFAULT_LOCOMO_PATH,
  evidenceIds,
  type LocomoSample,
  type LocomoSplit,
  readLocomo,
  turnsOf,
} from "./lib/locomo.js";
import { createScriptedProvider } from "./lib/scripted-provider.js";

const { values: args } = parseArgs({
  options: {
    data: { type: "string", default: DEFAULT_LOCOMO_PATH },
    backends: { type: "string", default: "sqlite" },
    split: { type: "string", default: "test" },
    embedding: { type: "string" },
  },
});
const postgresUrl = process.env.REVERIE_BENCH_POSTGRES_URL || DEFAULT_POSTGRES_URL;
const MODES: readonly RecallSearchMode[] = ["fts", "vector", "hybrid"];
const CUTOFFS = [5, 10] as const;

/** The embedder and the config agents get: the fake (in process) or a real model named by handle. */
async function chooseEmbedder(): Promise<{
  embedder: Embedder & { save?: () => void };
  config: EmbeddingConfig;
  label: string;
}> {
  if (args.embedding === undefined) {
    const dim = 384;
    return {
      label: `fake hashed bag-of-words (${dim} dims)`,
      embedder: { embed: async (texts) => texts.map((text) => fakeEmbed(text, dim)) },
      config: {
        embedding_endpoint_type: "fake",
        embedding_model: "bag-of-words",
        embedding_dim: dim,
        handle: "fake/bag-of-words",
        batch_size: 256,
      },
    };
  }
  const providers = providerConfigFromEnv(process.env);
  const config = await createModelRegistry(providers).resolveEmbedding(args.embedding);
  return {
    label: args.embedding,
    embedder: cachingEmbedder(createEmbedder({ providers }), args.embedding),
    config: { ...config, batch_size: 64 },
  };
}

interface Row {
  backend: string;
  mode: RecallSearchMode;
  category: string;
  questions: number;
  "recall@5": number;
  "recall@10": number;
  /** Recall@10 counting the turn before and after each hit, which conversation_search shows with it. */
  "recall@10_context": number;
  p50_ms: number;
}

interface Totals {
  hits: Record<number, number>;
  context: number;
  count: number;
  ms: number[];
}

async function benchBackend(
  bench: BenchStore,
  samples: readonly LocomoSample[],
  choice: Awaited<ReturnType<typeof chooseEmbedder>>,
): Promise<{ rows: Row[]; embedSeconds: number; messages: number }> {
  const { store } = bench;
  await upsertBaseTools(store, { clock: systemClock, ids: randomIds });
  const services = createServices({
    store,
    // The agents' chat model is never called; their embedding model (e.g. local/...) must be known.
    models: createModelRegistry({
      ...providerConfigFromEnv(process.env),
      openai: { apiKey: "sk-bench-not-used" },
    }),
    clock: systemClock,
    ids: randomIds,
    provider: createScriptedProvider(),
  });
  // Per mode and category: sums of per-question recall at each cutoff, counts and latencies.
  const totals = new Map<string, Totals>();
  const add = (key: string, recall: Record<number, number>, context: number, ms: number) => {
    const entry = totals.get(key) ?? { hits: { 5: 0, 10: 0 }, context: 0, count: 0, ms: [] };
    for (const cutoff of CUTOFFS) entry.hits[cutoff] = (entry.hits[cutoff] ?? 0) + (recall[cutoff] ?? 0);
    entry.context += context;
    entry.count++;
    entry.ms.push(ms);
    totals.set(key, entry);
  };
  let embedSeconds = 0;
  let messageCount = 0;
  for (const sample of samples) {
    const agent = await services.agents.create({
      name: `locomo-${sample.sample_id}`,
      model: "openai/gpt-4o-mini",
      // The fake embedder is no provider agents may name; the benchmark hands its config to the
      // embedding job and the search itself, so the agent needs none.
      embedding_config: args.embedding === undefined ? undefined : choice.config,
    });
    const speakerA = sample.conversation.speaker_a;
    const turns = turnsOf(sample);
    const idOf = new Map<string, string>();
    const records = turns.map((turn) => {
      const id = randomIds.next("message");
      idOf.set(turn.dia_id, id);
      return newMessageRecord({
        id,
        agent_id: agent.id,
        role: turn.speaker === speakerA ? "user" : "assistant",
        created_at: turn.at.toISOString(),
        content: [{ type: "text", text: turn.content }],
      });
    });
    await store.messages.append(records);
    const order = records.map((record) => record.id);
    const position = new Map(order.map((id, index) => [id, index]));
    messageCount += records.length;
    const started = performance.now();
    await embedAgentMessages({ store, embedder: choice.embedder, agentId: agent.id, config: choice.config });
    embedSeconds += (performance.now() - started) / 1000;
    choice.embedder.save?.();
    // A live database's autovacuum would have analyzed the table by now; without statistics the planner
    // picks plans for an empty table.
    if (bench.schema) await analyzeTables(postgresUrl, bench.schema, ["messages"]);

    const embedQuery = async (text: string) => (await choice.embedder.embed([text], choice.config))[0] ?? [];
    for (const question of sample.qa) {
      const wanted = new Set(evidenceIds(question.evidence ?? []).flatMap((dia) => idOf.get(dia) ?? []));
      if (wanted.size === 0) continue;
      for (const mode of MODES) {
        const searchStarted = performance.now();
        const result = await searchRecall(store, {
          agentId: agent.id,
          query: question.question,
          mode,
          limit: 10,
          embedQuery: mode === "fts" ? undefined : embedQuery,
        });
        const ms = performance.now() - searchStarted;
        const ids = result.hits.map((hit) => hit.message.id);
        const recall: Record<number, number> = {};
        for (const cutoff of CUTOFFS) {
          recall[cutoff] = ids.slice(0, cutoff).filter((id) => wanted.has(id)).length / wanted.size;
        }
        const shown = new Set(
          ids.flatMap((id) => {
            const at = position.get(id) ?? -1;
            return [order[at - 1], id, order[at + 1]].filter((near): near is string => near !== undefined);
          }),
        );
        const context = [...wanted].filter((id) => shown.has(id)).length / wanted.size;
        add(`${mode}|all`, recall, context, ms);
        add(`${mode}|${question.category}`, recall, context, ms);
      }
    }
    console.error(`  ${bench.backend}: ${sample.sample_id}, ${records.length} turns`);
  }
  const rows: Row[] = [];
  for (const [key, entry] of [...totals.entries()].sort()) {
    const [mode, category] = key.split("|") as [RecallSearchMode, string];
    const sorted = [...entry.ms].sort((a, b) => a - b);
    rows.push({
      backend: bench.backend,
      mode,
      category,
      questions: entry.count,
      "recall@5": round(entry.hits[5] ?? 0, entry.count),
      "recall@10": round(entry.hits[10] ?? 0, entry.count),
      "recall@10_context": round(entry.context, entry.count),
      p50_ms: Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 100) / 100,
    });
  }
  return { rows, embedSeconds, messages: messageCount };
}

function round(sum: number, count: number): number {
  return count === 0 ? 0 : Math.round((sum / count) * 1000) / 1000;
}

const samples = readLocomo(args.data, args.split as LocomoSplit);
const choice = await chooseEmbedder();
console.error(
  `LoCoMo ${args.split} part: ${samples.length} conversations from ${args.data}; embeddings: ${choice.label}`,
);
const allRows: Row[] = [];
const runs: Array<{ backend: string; embed_seconds: number; messages: number }> = [];
for (const backend of args.backends.split(",")) {
  let bench: BenchStore;
  if (backend === "postgres") {
    const opened = await openBenchPostgres(postgresUrl);
    if (!opened.ok) {
      console.error(`skipping PostgreSQL: ${opened.reason}`);
      continue;
    }
    bench = opened.value;
  } else {
    bench = await openBenchSqlite();
  }
  try {
    const result = await benchBackend(bench, samples, choice);
    allRows.push(...result.rows);
    runs.push({
      backend,
      embed_seconds: Math.round(result.embedSeconds * 10) / 10,
      messages: result.messages,
    });
  } finally {
    await bench.dispose();
  }
}
await choice.embedder.close?.();

const overall = allRows.filter((row) => row.category === "all");
console.log(`\nRecall of LoCoMo evidence turns, ${args.split} part (${choice.label})\n`);
console.log(
  "| backend | mode | questions | recall@5 | recall@10 | recall@10 with neighbours | search p50 ms |",
);
console.log("|---|---|---|---|---|---|---|");
for (const row of overall) {
  console.log(
    `| ${row.backend} | ${row.mode} | ${row.questions} | ${row["recall@5"]} | ${row["recall@10"]} | ${row["recall@10_context"]} | ${row.p50_ms} |`,
  );
}
console.log("\nBy question category (recall@10: fts / vector / hybrid)\n");
console.log("| backend | category | questions | fts | vector | hybrid |");
console.log("|---|---|---|---|---|---|");
const categories = [...new Set(allRows.map((row) => row.category))].filter((c) => c !== "all").sort();
for (const backend of [...new Set(allRows.map((row) => row.backend))]) {
  for (const category of categories) {
    const of = (mode: RecallSearchMode) =>
      allRows.find((row) => row.backend === backend && row.category === category && row.mode === mode);
    console.log(
      `| ${backend} | ${category} | ${of("hybrid")?.questions ?? 0} | ${of("fts")?.["recall@10"]} | ${of("vector")?.["recall@10"]} | ${of("hybrid")?.["recall@10"]} |`,
    );
  }
}
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
const file = join(out, `locomo-retrieval-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ embeddings: choice.label, data: args.data, split: args.split, runs, rows: allRows }, null, 2)}\n`,
);
console.error(`\nwrote ${file}`);
