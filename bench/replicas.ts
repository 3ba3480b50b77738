// Turns per second of one vs two `reverie server` replicas on one PostgreSQL database, with one client
// driving many agents at once. Each replica is a real server process (bin/reverie.js: run `npm run
// build` first) with its own data directory; both share the database and the secret key. The model is
// a fake OpenAI server in this process that answers every completion after `--model-ms` (a stand-in for
// the provider's latency, so that concurrency matters as it does with a real model).
//
// The client keeps `--agents` turns in flight: one loop per agent sends a turn, waits for its answer and
// sends the next; with two replicas, agent i talks to replica i % 2. Turns are counted over `--seconds`
// after `--warmup` seconds. Besides throughput, the table shows turn latency and the CPU the server
// processes used per turn (from /proc), which the machine's other load does not inflate as much.
//
// Usage: npx tsx bench/replicas.ts [--agents 200] [--seconds 20] [--warmup 5] [--model-ms 100]
//          [--replicas 1,2]
// PostgreSQL: REVERIE_BENCH_POSTGRES_URL (else postgres://postgres@127.0.0.1:5432/reverie_bench) names
// the server; the benchmark creates a database of its own there for each case and drops it after.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { openStore } from "../src/store/open-store.js";
import { startFakeOpenAI } from "../test/fake-llm/openai-server.js";
import { callServer, createReplicaFleet, type Replica } from "../test/helpers/replica-fleet.js";
import { DEFAULT_POSTGRES_URL } from "./lib/bench-stores.js";
import { summarize } from "./lib/latency-stats.js";

const { values: args } = parseArgs({
  options: {
    agents: { type: "string", default: "200" },
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "5" },
    "model-ms": { type: "string", default: "100" },
    replicas: { type: "string", default: "1,2" },
  },
});
const agentCount = Number(args.agents);
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
const modelMs = Number(args["model-ms"]);
const replicaCounts = args.replicas.split(",").map(Number);
const serverUrl = process.env.REVERIE_BENCH_POSTGRES_URL || DEFAULT_POSTGRES_URL;

interface Row {
  replicas: number;
  agents: number;
  model_ms: number;
  seconds: number;
  turns: number;
  turns_per_s: number;
  p50_ms: number;
  p95_ms: number;
  /** CPU time (user + system) of all replica processes over the measured window, per turn. */
  server_cpu_ms_per_turn: number;
  /** Answers other than 200 during the measured window (a 409 would mean two turns of one agent). */
  failed: number;
}

/** CPU time (ms) a process has used so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database of its own for one case, on the benchmark's PostgreSQL server. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `reverie_bench_replicas_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function measure(replicaCount: number): Promise<Row> {
  const database = await createDatabase();
  // Migrated once before the replicas start.
  await (await openStore(database.url)).close();
  const fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  fake.script.respondWith(() => ({ text: "Noted, thank you.", delayMs: modelMs }));
  const fleet = createReplicaFleet({ databaseUrl: database.url, providerUrl: fake.url });
  try {
    const replicas: Replica[] = await Promise.all(
      Array.from({ length: replicaCount }, (_, index) => fleet.start(String.fromCharCode(97 + index))),
    );
    const agentIds: string[] = [];
    for (let index = 0; index < agentCount; index++) {
      const created = await callServer(replicas[index % replicaCount] as Replica, "POST", "/v1/agents/", {
        name: `bench-replica-agent-${index}`,
        model: "openai/gpt-4o-mini",
        memory_blocks: [{ label: "human", value: "Name: Ada" }],
      });
      if (created.status !== 200) throw new Error(`agent ${index}: ${JSON.stringify(created.body)}`);
      agentIds.push(created.body.id);
    }
    // The request log of the fake grows with every turn; the benchmark does not need it.
    const trim = setInterval(() => fake.requests.splice(0), 1000);

    const started = performance.now();
    const measureFrom = started + warmupSeconds * 1000;
    const measureTo = measureFrom + seconds * 1000;
    const durations: number[] = [];
    let failed = 0;
    let cpuAtStart: number | undefined;
    const cpuNow = () => replicas.reduce((total, replica) => total + cpuMs(replica.child.pid as number), 0);
    const cpuTimer = setTimeout(() => {
      cpuAtStart = cpuNow();
    }, measureFrom - started);
    let cpuAtEnd: number | undefined;
    const cpuEndTimer = setTimeout(() => {
      cpuAtEnd = cpuNow();
    }, measureTo - started);

    await Promise.all(
      agentIds.map(async (agentId, index) => {
        const replica = replicas[index % replicaCount] as Replica;
        for (let turn = 0; performance.now() < measureTo; turn++) {
          const sent = performance.now();
          const answer = await callServer(replica, "POST", `/v1/agents/${agentId}/messages`, {
            messages: [{ role: "user", content: `Turn ${turn}: I like tea.` }],
          }).catch((error: unknown) => ({ status: 0, body: String(error) }));
          const done = performance.now();
          if (sent < measureFrom || done > measureTo) continue;
          if (answer.status === 200) durations.push(done - sent);
          else failed += 1;
        }
      }),
    );
    clearTimeout(cpuTimer);
    clearTimeout(cpuEndTimer);
    clearInterval(trim);
    const cpu = (cpuAtEnd ?? cpuNow()) - (cpuAtStart ?? 0);
    const stats = summarize(durations);
    return {
      replicas: replicaCount,
      agents: agentCount,
      model_ms: modelMs,
      seconds,
      turns: durations.length,
      turns_per_s: Math.round((durations.length / seconds) * 10) / 10,
      p50_ms: Math.round(stats.p50_ms),
      p95_ms: Math.round(stats.p95_ms),
      server_cpu_ms_per_turn: durations.length ? Math.round((cpu / durations.length) * 100) / 100 : 0,
      failed,
    };
  } finally {
    await fleet.close();
    await fake.close();
    await database.drop();
  }
}

const rows: Row[] = [];
for (const count of replicaCounts) {
  process.stderr.write(`measuring ${count} replica(s), ${agentCount} agents...\n`);
  rows.push(await measure(count));
}
console.table(rows);
// Throughput moves with whatever else runs on the machine: the load is recorded with the results.
const result = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  loadavg_at_end: loadavg().map((value) => Math.round(value * 100) / 100),
  rows,
};
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "replicas.json"), `${JSON.stringify(result, null, 2)}\n`);
process.stderr.write(`wrote ${join(out, "replicas.json")}\n`);
