// Measures archival search at scale, in process: insert throughput, then p50/p95 of vector, full-text
// and hybrid (both, fused by reciprocal rank, as the API and the agent's tool run it) queries, with no
// filter, a tag filter (`any` of one tag, about 10% of passages) and a tag `all` filter (two tags,
// about 1%). Passages are note-like synthetic text over a Zipf-distributed vocabulary with 384-dim
// embeddings from the tests' hashed bag-of-words embedder (similar texts get similar vectors, so the
// HNSW graph has the clustered shape of real embeddings rather than uniform noise), all in one archive.
//
// Usage: npx tsx bench/search.ts [--backends sqlite,postgres] [--sqlite-size 100000]
//          [--postgres-size 1000000] [--postgres-indexed 20000] [--queries 200] [--warmup 20]
//          [--top-k 10] [--batch 2000] [--postgres-keep] [--postgres-schema <kept schema>]
// Sizes also come from REVERIE_BENCH_SQLITE_SIZE and REVERIE_BENCH_POSTGRES_SIZE.
// PostgreSQL: REVERIE_BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/reverie_bench (the
// benchmark works in a schema of its own, dropped at the end unless --postgres-keep; --postgres-schema
// reruns the queries on a kept schema without loading); skipped with a note when unreachable.
//
// PostgreSQL loading: the first --postgres-indexed passages go through the store's insert with the
// HNSW index maintained on every insert, as the server does; that is the insert throughput reported.
// The rest would take most of an hour at that rate, so they are bulk-loaded: still through the
// store's insert, but with the HNSW index dropped (and kept from being recreated) and then rebuilt
// once, as one would for an import. The output labels the two rates apart.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import type { Passage } from "../src/domain/index.js";
import { type PassageSearchRequest, searchPassages } from "../src/runtime/search/passage-search.js";
import type { PassageFilter, Store } from "../src/store/store.js";
import { fakeEmbed } from "../test/fake-llm/embedder.js";
import {
  analyzeTables,
  type BenchStore,
  DEFAULT_POSTGRES_URL,
  openBenchPostgres,
  openBenchSqlite,
} from "./lib/bench-stores.js";
import { summarize } from "./lib/latency-stats.js";

const { values: args } = parseArgs({
  options: {
    backends: { type: "string", default: "sqlite,postgres" },
    "sqlite-size": { type: "string", default: process.env.REVERIE_BENCH_SQLITE_SIZE ?? "100000" },
    "postgres-size": { type: "string", default: process.env.REVERIE_BENCH_POSTGRES_SIZE ?? "1000000" },
    queries: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    "top-k": { type: "string", default: "10" },
    batch: { type: "string", default: "2000" },
    "postgres-indexed": { type: "string", default: "20000" },
    "postgres-keep": { type: "boolean", default: false },
    "postgres-schema": { type: "string" },
  },
});
const backends = args.backends.split(",");
const sizes: Record<string, number> = {
  sqlite: Number(args["sqlite-size"]),
  postgres: Number(args["postgres-size"]),
};
const queryCount = Number(args.queries);
const warmup = Number(args.warmup);
const topK = Number(args["top-k"]);
const batchSize = Number(args.batch);
const postgresUrl = process.env.REVERIE_BENCH_POSTGRES_URL || DEFAULT_POSTGRES_URL;
const postgresIndexed = Number(args["postgres-indexed"]);

const DIM = 384;
const VOCABULARY = 20_000;
const TAGS = Array.from({ length: 20 }, (_, index) => `tag${index}`);
const EMBEDDING_CONFIG = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: DIM,
  handle: "openai/text-embedding-3-small",
};

/** A seeded generator, so every run indexes and queries the same data. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Pronounceable pseudo-words, so the full-text index sees a realistic number of distinct terms. */
function makeVocabulary(random: () => number): string[] {
  const onsets = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "st",
    "tr",
  ];
  const vowels = ["a", "e", "i", "o", "u", "ai", "ou"];
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    const syllables = 2 + Math.floor(random() * 2);
    let word = "";
    for (let s = 0; s < syllables; s++) {
      word += onsets[Math.floor(random() * onsets.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    }
    words.add(word);
  }
  return [...words];
}

/** Draws word ranks with a Zipf (s = 1) distribution, as in natural text, from the generator given. */
function zipfSampler(n: number): (random: () => number) => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) {
    total += 1 / (rank + 1);
    cumulative[rank] = total;
  }
  return (random) => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

interface Corpus {
  text(index: number): string;
  tags(index: number): string[];
}

function makeCorpus(): Corpus {
  const random = seeded(7);
  const vocabulary = makeVocabulary(random);
  const nextRank = zipfSampler(vocabulary.length);
  return {
    // Each passage draws from its own seed, so any passage can be regenerated (for queries) alone.
    text(index) {
      const local = seeded(index * 2654435761);
      const length = 20 + Math.floor(local() * 40);
      const words: string[] = [];
      // A topic: a handful of rarer words the passage keeps returning to, as notes do.
      const topic = Array.from({ length: 4 }, () => vocabulary[200 + Math.floor(local() * 5000)]!);
      for (let w = 0; w < length; w++) {
        words.push(local() < 0.3 ? topic[Math.floor(local() * topic.length)]! : vocabulary[nextRank(local)]!);
      }
      return `${words.join(" ")}.`;
    },
    tags(index) {
      const local = seeded(index * 40503 + 17);
      const count = 1 + Math.floor(local() * 3);
      return [...new Set(Array.from({ length: count }, () => TAGS[Math.floor(local() * TAGS.length)]!))];
    },
  };
}

interface Row {
  backend: string;
  passages: number;
  query: string;
  filter: string;
  p50_ms: number;
  p95_ms: number;
  mean_ms: number;
  mean_hits: number;
}

async function load(store: Store, corpus: Corpus, from: number, size: number, archiveId: string) {
  const stamp = Date.UTC(2025, 0, 1);
  let embedMs = 0;
  let insertMs = 0;
  for (let start = from; start < size; start += batchSize) {
    const embedStarted = performance.now();
    const passages: Passage[] = [];
    for (let index = start; index < Math.min(size, start + batchSize); index++) {
      const text = corpus.text(index);
      const created = new Date(stamp + index * 1000).toISOString();
      passages.push({
        id: `passage-${String(index).padStart(8, "0")}-0000-4000-8000-000000000000`,
        text,
        archive_id: archiveId,
        source_id: null,
        file_id: null,
        file_name: null,
        tags: corpus.tags(index),
        metadata: null,
        embedding: fakeEmbed(text, DIM),
        embedding_config: EMBEDDING_CONFIG,
        is_deleted: false,
        created_by_id: null,
        last_updated_by_id: null,
        created_at: created,
        updated_at: created,
      });
    }
    embedMs += performance.now() - embedStarted;
    const insertStarted = performance.now();
    await store.passages.insert(passages);
    insertMs += performance.now() - insertStarted;
    if (((start - from) / batchSize) % 10 === 0 || start + batchSize >= size) {
      const done = Math.min(size, start + batchSize);
      process.stderr.write(
        `\r  ${done}/${size} passages, ${Math.round((done - from) / (insertMs / 1000))} inserts/s (excluding embedding)`,
      );
    }
  }
  process.stderr.write("\n");
  return { embedMs, insertMs };
}

/** Runs ANALYZE on the benchmark's schema. */
function analyzeBenchSchema(schema: string): Promise<number> {
  return analyzeTables(postgresUrl, schema, ["passages", "passage_tags", "archives"]);
}

/** The store's advisory lock key for creating HNSW indexes (src/store/postgres/vector-index.ts). */
const INDEX_LOCK_NAMESPACE = 0x5256484e;

/**
 * Bulk-loads passages [from, size) through the store's insert with the HNSW index of their dimension
 * dropped, then rebuilds it once with the definition it had. While loading, another session holds the
 * advisory lock under which the store creates missing indexes, so inserts skip creating it (as they do
 * whenever another writer holds it) instead of maintaining it row by row.
 */
async function bulkLoadPostgres(
  store: Store,
  schema: string,
  corpus: Corpus,
  from: number,
  size: number,
  archiveId: string,
) {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const table = `"${schema}".passages`;
    const index = await client.query<{ name: string; definition: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       WHERE x.indrelid = $1::regclass AND i.relname = $2`,
      [table, `passages_embedding_hnsw_${DIM}`],
    );
    const hnsw = index.rows[0];
    if (hnsw === undefined) throw new Error("no HNSW index after the indexed load");
    await client.query("SELECT pg_advisory_lock($1, hashtext($2::regclass::oid::text))", [
      INDEX_LOCK_NAMESPACE,
      table,
    ]);
    await client.query(`DROP INDEX "${schema}"."${hnsw.name}"`);
    const loaded = await load(store, corpus, from, size, archiveId);
    await client.query("SELECT pg_advisory_unlock($1, hashtext($2::regclass::oid::text))", [
      INDEX_LOCK_NAMESPACE,
      table,
    ]);
    // maintenance_work_mem large enough for the whole graph (about 3 GB at 1M x 384): a build that
    // spills is several times slower. One parallel worker besides the leader: the machine has 2 cores.
    await client.query("SET maintenance_work_mem = '4GB'");
    await client.query("SET max_parallel_maintenance_workers = 1");
    const started = performance.now();
    await client.query(hnsw.definition);
    return { ...loaded, indexMs: performance.now() - started };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const corpus = makeCorpus();
  const rows: Row[] = [];
  const loads: Array<Record<string, unknown>> = [];
  const notes: string[] = [];
  for (const backend of backends) {
    const size = sizes[backend];
    if (size === undefined) throw new Error(`unknown backend ${backend}`);
    let bench: BenchStore;
    const reuse = backend === "postgres" ? args["postgres-schema"] : undefined;
    if (backend === "sqlite") bench = await openBenchSqlite();
    else {
      const opened = await openBenchPostgres(postgresUrl, {
        schema: reuse,
        keep: args["postgres-keep"] || reuse !== undefined,
      });
      if (!opened.ok) {
        notes.push(`postgres skipped: ${opened.reason}`);
        console.log(`postgres skipped: ${opened.reason}`);
        continue;
      }
      bench = opened.value;
    }
    try {
      const { store } = bench;
      const now = new Date().toISOString();
      const archiveId = "archive-00000000-0000-4000-8000-000000000001";
      const archive =
        (await store.archives.get(archiveId)) ??
        (await store.archives.create({
          id: archiveId,
          name: "bench",
          description: null,
          embedding_config: EMBEDDING_CONFIG,
          vector_db_provider: "native",
          metadata: null,
          created_by_id: null,
          last_updated_by_id: null,
          created_at: now,
          updated_at: now,
        }));
      const present = await store.passages.count([archive.id]);
      if (reuse !== undefined) {
        if (present !== size) throw new Error(`schema ${reuse} holds ${present} passages, not ${size}`);
        console.log(`${backend}: reusing ${present} passages in schema ${reuse}`);
      } else {
        // Through the store's insert, every index maintained: the rate a server sustains.
        const indexed = backend === "postgres" ? Math.min(size, postgresIndexed) : size;
        console.log(`${backend}: inserting ${indexed} passages (batches of ${batchSize})`);
        const loaded = await load(store, corpus, 0, indexed, archive.id);
        const insertsPerSecond = Math.round(indexed / (loaded.insertMs / 1000));
        loads.push({
          backend,
          phase: "insert, indexes maintained",
          passages: indexed,
          insert_s: loaded.insertMs / 1000,
          inserts_per_s: insertsPerSecond,
        });
        console.log(
          `${backend}: ${insertsPerSecond} passages/s inserted (${(loaded.insertMs / 1000).toFixed(1)} s)`,
        );
        if (backend === "postgres" && indexed < size) {
          console.log(`${backend}: bulk-loading passages ${indexed}-${size} with the HNSW index dropped`);
          const bulk = await bulkLoadPostgres(store, bench.schema!, corpus, indexed, size, archive.id);
          const bulkRate = Math.round((size - indexed) / (bulk.insertMs / 1000));
          loads.push({
            backend,
            phase: "bulk load, HNSW dropped",
            passages: size - indexed,
            insert_s: bulk.insertMs / 1000,
            inserts_per_s: bulkRate,
          });
          loads.push({
            backend,
            phase: "HNSW index rebuild",
            passages: size,
            insert_s: bulk.indexMs / 1000,
            inserts_per_s: Math.round(size / (bulk.indexMs / 1000)),
          });
          console.log(
            `${backend}: bulk load ${bulkRate} passages/s (${(bulk.insertMs / 1000).toFixed(1)} s), HNSW rebuild ${(bulk.indexMs / 1000).toFixed(1)} s`,
          );
        }
      }
      if (backend === "postgres") {
        // Autovacuum would get there in time; without statistics the planner takes the archive filter
        // for selective and scans exactly instead of using the HNSW index (90 ms instead of 3 at 20k).
        const analyzeMs = await analyzeBenchSchema(bench.schema!);
        console.log(`${backend}: ANALYZE took ${(analyzeMs / 1000).toFixed(1)} s`);
      }

      // Queries: a few words of a random passage (a query by meaning and words), and a rare word.
      const random = seeded(99);
      const queries = Array.from({ length: warmup + queryCount }, () => {
        const words = corpus
          .text(Math.floor(random() * size))
          .replace(/\.$/, "")
          .split(" ");
        const from = Math.floor(random() * Math.max(1, words.length - 4));
        return words.slice(from, from + 3 + Math.floor(random() * 3)).join(" ");
      });
      const vectors = new Map(queries.map((query) => [query, fakeEmbed(query, DIM)]));
      const filters: Record<string, Omit<PassageFilter, "archive_ids">> = {
        none: {},
        "tag any (1 of 20)": { tags: ["tag3"], tag_match_mode: "any" },
        "tag all (2 of 20)": { tags: ["tag3", "tag11"], tag_match_mode: "all" },
      };
      const pool = Math.min(Math.max(topK * 3, 20), 300);
      for (const [filterName, extra] of Object.entries(filters)) {
        const filter: PassageFilter = { archive_ids: [archive.id], ...extra };
        const kinds: Record<string, (query: string) => Promise<number>> = {
          vector: async (query) =>
            (await store.passages.searchVector(filter, vectors.get(query)!, pool)).length,
          text: async (query) => (await store.passages.searchText(filter, query, pool)).length,
          hybrid: async (query) => {
            const request: PassageSearchRequest = { ...filter, query, limit: topK };
            const embed = async () => [vectors.get(query)!];
            return (await searchPassages({ store, embed }, request)).hits.length;
          },
        };
        for (const [kind, run] of Object.entries(kinds)) {
          const durations: number[] = [];
          let hits = 0;
          for (const [index, query] of queries.entries()) {
            const started = performance.now();
            const found = await run(query);
            const elapsed = performance.now() - started;
            if (index >= warmup) {
              durations.push(elapsed);
              hits += found;
            }
          }
          const stats = summarize(durations);
          rows.push({
            backend,
            passages: size,
            query: kind,
            filter: filterName,
            p50_ms: stats.p50_ms,
            p95_ms: stats.p95_ms,
            mean_ms: stats.mean_ms,
            mean_hits: Math.round((hits / durations.length) * 10) / 10,
          });
          console.log(
            `  ${kind.padEnd(7)} ${filterName.padEnd(18)} p50 ${stats.p50_ms.toFixed(2)} ms  p95 ${stats.p95_ms.toFixed(2)} ms`,
          );
        }
      }
    } finally {
      await bench.dispose();
    }
  }

  console.log("\n| backend | passages | query | filter | p50 ms | p95 ms | mean ms | hits |");
  console.log("|---|---:|---|---|---:|---:|---:|---:|");
  for (const row of rows) {
    console.log(
      `| ${row.backend} | ${row.passages} | ${row.query} | ${row.filter} | ${row.p50_ms.toFixed(2)} | ${row.p95_ms.toFixed(2)} | ${row.mean_ms.toFixed(2)} | ${row.mean_hits} |`,
    );
  }
  console.log("\n| backend | phase | passages | s | passages/s |");
  console.log("|---|---|---:|---:|---:|");
  for (const entry of loads) {
    console.log(
      `| ${entry.backend} | ${entry.phase} | ${entry.passages} | ${Number(entry.insert_s).toFixed(1)} | ${entry.inserts_per_s} |`,
    );
  }
  const dir = join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `search-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        benchmark: "search",
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
        settings: { queries: queryCount, warmup, top_k: topK, batch: batchSize, dim: DIM },
        loads,
        rows,
        notes,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${file}`);
}

await main();
