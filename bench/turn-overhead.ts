// Measures the server-side time of one agent turn, in process, with a zero-latency scripted model:
// everything the server does around the model calls (loading the window, checking the system prompt,
// the run, each step's transaction, the views of the response). Turns are one-step (the model
// answers) or three-step (two memory_insert calls, then the answer), on SQLite and PostgreSQL, for
// agents with 10, 1,000 and 100,000 messages of history and a realistic in-context window (the system
// message + the last 20 messages; older ones live in recall only, as in Letta).
//
// The one-step rows also carry an end-to-end column: the same turn sent over HTTP to the server, which
// calls the real OpenAI provider against a zero-latency fake OpenAI server (bench/lib/end-to-end-turn.ts),
// and the same again through the API-key check (`Authorization: Bearer`), alternating turn by turn.
//
// Usage: npx tsx bench/turn-overhead.ts [--turns 200] [--warmup 30] [--sizes 10,1000,100000]
//          [--backends sqlite,postgres] [--no-e2e]
// PostgreSQL: REVERIE_BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/reverie_bench (the
// benchmark works in a schema of its own, dropped at the end); skipped with a note when unreachable.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { randomIds, systemClock } from "../src/domain/index.js";
import { createModelRegistry } from "../src/llm/model-registry.js";
import { createServices, type Services } from "../src/runtime/services.js";
import { upsertBaseTools } from "../src/runtime/tools/base-tools.js";
import type { Store } from "../src/store/store.js";
import {
  type BenchStore,
  DEFAULT_POSTGRES_URL,
  openBenchPostgres,
  openBenchSqlite,
} from "./lib/bench-stores.js";
import { measureEndToEnd } from "./lib/end-to-end-turn.js";
import { summarize } from "./lib/latency-stats.js";
import { countStatements } from "./lib/round-trip-counter.js";
import { createScriptedProvider, type ScriptedProvider } from "./lib/scripted-provider.js";
import { seedHistory } from "./lib/seed-history.js";

const { values: args } = parseArgs({
  options: {
    turns: { type: "string", default: "200" },
    warmup: { type: "string", default: "30" },
    sizes: { type: "string", default: "10,1000,100000" },
    backends: { type: "string", default: "sqlite,postgres" },
    "no-e2e": { type: "boolean", default: false },
  },
});
const turns = Number(args.turns);
const warmup = Number(args.warmup);
const sizes = args.sizes.split(",").map(Number);
const backends = args.backends.split(",");
const postgresUrl = process.env.REVERIE_BENCH_POSTGRES_URL || DEFAULT_POSTGRES_URL;

/** Messages kept in the window besides the system message. */
const WINDOW_TAIL = 20;
/** Turns whose SQL statements are counted (untimed), per case. */
const COUNTED_TURNS = 5;
const HUMAN = "Name: Ada Lovelace\nLikes: mathematics, poetry, engines";
const PERSONA = "I am a helpful assistant with a long memory.";

type TurnKind = "one-step" | "three-step";

interface Row {
  backend: string;
  history: number;
  turn: TurnKind;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  /** Mean CPU time of this process per turn (the PostgreSQL server's own CPU is not in it). */
  cpu_ms: number;
  sql_per_turn: number;
  /**
   * One-step turns end to end: a client over HTTP, the server, the real OpenAI provider and a
   * zero-latency fake OpenAI server (bench/lib/end-to-end-turn.ts), p50 and p95.
   */
  e2e_p50_ms?: number | undefined;
  e2e_p95_ms?: number | undefined;
  /** The same, alternating turn by turn, through the API-key check with `Authorization: Bearer`. */
  e2e_key_p50_ms?: number | undefined;
  e2e_key_p95_ms?: number | undefined;
}

/** Keeps the window at the system message + the last WINDOW_TAIL messages, as a summarizer would. */
async function trimWindow(store: Store, agentId: string): Promise<void> {
  const agent = await store.agents.get(agentId);
  const ids = agent?.message_ids ?? [];
  if (ids.length <= WINDOW_TAIL + 1) return;
  await store.agents.update(agentId, { message_ids: [ids[0] as string, ...ids.slice(-WINDOW_TAIL)] });
}

/**
 * Readies turn `index` (untimed): trims the window and queues the model's replies. The three-step
 * turn's edits grow the human block by two short lines a turn (a few KB over a run).
 */
async function prepareTurn(
  store: Store,
  provider: ScriptedProvider,
  agentId: string,
  kind: TurnKind,
  index: number,
): Promise<void> {
  await trimWindow(store, agentId);
  if (kind === "one-step") {
    provider.push({ text: `Answer number ${index}: noted, thank you.` });
    return;
  }
  provider.push(
    { toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: `Fact ${index}a` } }] },
    { toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: `Fact ${index}b` } }] },
    { text: `Saved two facts (turn ${index}).` },
  );
}

async function sendTurn(services: Services, agentId: string, index: number): Promise<void> {
  const response = await services.messages.send(agentId, {
    messages: [{ role: "user", content: `Message ${index}: please remember that I like tea.` }],
  });
  if (response.stop_reason.stop_reason !== "end_turn") {
    throw new Error(`turn ${index} stopped with ${response.stop_reason.stop_reason}`);
  }
}

async function measureCase(
  store: Store,
  services: Services,
  provider: ScriptedProvider,
  agentId: string,
  kind: TurnKind,
): Promise<{ durations: number[]; cpuPerTurn: number; statementsPerTurn: number }> {
  const durations: number[] = [];
  let cpu = 0;
  for (let index = 0; index < warmup + turns; index++) {
    await prepareTurn(store, provider, agentId, kind, index);
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    await sendTurn(services, agentId, index);
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpuStarted);
    if (index >= warmup) {
      durations.push(elapsed);
      cpu += (used.user + used.system) / 1000;
    }
  }
  let statements = 0;
  for (let index = 0; index < COUNTED_TURNS; index++) {
    await prepareTurn(store, provider, agentId, kind, warmup + turns + index);
    statements += (await countStatements(() => sendTurn(services, agentId, index))).statements;
  }
  return { durations, cpuPerTurn: cpu / turns, statementsPerTurn: statements / COUNTED_TURNS };
}

/** Creates an agent with `history` messages in recall and a window of the system message + the tail. */
async function createBenchAgent(services: Services, store: Store, history: number): Promise<string> {
  const agent = await services.agents.create({
    name: `bench-history-${history}`,
    model: "openai/gpt-4o-mini",
    memory_blocks: [
      { label: "human", value: HUMAN },
      { label: "persona", value: PERSONA },
    ],
  });
  const seedStarted = performance.now();
  const ids = await seedHistory(store, agent.id, history);
  // New agents start with their system message in the window: keep it, then the history's tail.
  const system = agent.message_ids.slice(0, 1);
  await store.agents.update(agent.id, { message_ids: [...system, ...ids.slice(-WINDOW_TAIL)] });
  console.error(`  seeded ${history} messages in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
  return agent.id;
}

async function benchBackend(bench: BenchStore, rows: Row[]): Promise<void> {
  const { store } = bench;
  const clock = systemClock;
  const ids = randomIds;
  await upsertBaseTools(store, { clock, ids });
  const provider = createScriptedProvider();
  const models = createModelRegistry({ openai: { apiKey: "sk-bench-not-used" } });
  const services = createServices({ store, models, clock, ids, provider });
  for (const history of sizes) {
    console.error(`${bench.backend}, ${history} messages of history`);
    const agentId = await createBenchAgent(services, store, history);
    for (const kind of ["one-step", "three-step"] as const) {
      const measured = await measureCase(store, services, provider, agentId, kind);
      const row = {
        backend: bench.backend,
        history,
        turn: kind,
        ...summarize(measured.durations),
        cpu_ms: Math.round(measured.cpuPerTurn * 1000) / 1000,
        sql_per_turn: measured.statementsPerTurn,
      };
      console.error(`  ${kind}: p50 ${row.p50_ms} ms, p95 ${row.p95_ms} ms, ${row.sql_per_turn} statements`);
      if (kind === "one-step" && !args["no-e2e"]) {
        const measured = await measureEndToEnd({ store, history, turns, warmup, windowTail: WINDOW_TAIL });
        const e2e = summarize(measured.plain);
        const keyed = summarize(measured.keyed);
        console.error(`  one-step end to end over HTTP: p50 ${e2e.p50_ms} ms, p95 ${e2e.p95_ms} ms`);
        console.error(`  the same with an API key: p50 ${keyed.p50_ms} ms, p95 ${keyed.p95_ms} ms`);
        rows.push({
          ...row,
          e2e_p50_ms: e2e.p50_ms,
          e2e_p95_ms: e2e.p95_ms,
          e2e_key_p50_ms: keyed.p50_ms,
          e2e_key_p95_ms: keyed.p95_ms,
        });
        continue;
      }
      rows.push(row);
    }
  }
}

const rows: Row[] = [];
const notes: string[] = [];
// Latencies move with whatever else runs on the machine: the load is recorded with the results.
const loadAtStart = loadavg();
for (const backend of backends) {
  let bench: BenchStore;
  if (backend === "sqlite") bench = await openBenchSqlite();
  else if (backend === "postgres") {
    const opened = await openBenchPostgres(postgresUrl);
    if (!opened.ok) {
      notes.push(`PostgreSQL skipped: ${opened.reason}`);
      continue;
    }
    bench = opened.value;
  } else throw new Error(`unknown backend ${backend} (sqlite, postgres)`);
  try {
    await benchBackend(bench, rows);
  } finally {
    await bench.dispose();
  }
}

console.table(rows);
for (const note of notes) console.log(note);
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "turn-overhead.json"),
  `${JSON.stringify(
    {
      turns,
      warmup,
      window: `system + last ${WINDOW_TAIL} messages`,
      rows,
      notes,
      node: process.version,
      cpus: cpus().length,
      load_average: { start: loadAtStart, end: loadavg() },
      date: new Date().toISOString(),
    },
    null,
    2,
  )}\n`,
);
