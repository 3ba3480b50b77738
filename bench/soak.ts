// Does the server's memory stay bounded under steady load? A real `reverie server` process (SQLite, the
// real OpenAI provider against the fake OpenAI server of test/fake-llm, in this process) is sent turns by
// N clients, each with its own agent, back to back for a configurable time; the clients cycle through a
// plain turn, a token-streamed turn, a turn with a tool call (conversation_search or
// archival_memory_insert, then the answer) and an async turn polled until its run ends. Every 10 s the
// server's memory is sampled: RSS, anonymous and file-backed RSS and its thread count from /proc, and the
// V8 heap, external memory and malloc'd memory from a probe loaded into the server (bench/soak-memory-probe.mjs, loaded with --import).
// After the load the server idles (1 min by default) and is sampled again.
//
// It prints the samples as a table and RSS after the first minute, at the end of the load, their ratio
// (target: at most 1.5) and after the idle time, and writes everything to bench/results/soak[-label].json.
//
// Usage: npm run bench:soak [-- --minutes=10 --clients=4 --idle-minutes=1 --sample-seconds=10
//          --kinds=plain,stream,tool,async --malloc-arena-max=2 --node-flags="--heap-growing-percent=50"
//          --heap-snapshots=1,5 --live-heap --label=name]
//        (needs `npm run build` first: the server is started from bin/reverie.js). Linux only (/proc).
// --heap-snapshots writes V8 heap snapshots of the server at those minutes (--heapsnapshot-signal) into
// bench/results/soak-snapshots; a snapshot stops the server for seconds and raises RSS itself, so runs
// that take snapshots are for finding holders, not for the RSS numbers. --live-heap has the server run a
// full garbage collection before each sample (--expose-gc) and reports the heap left, what is really held.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { lastUserText, type RecordedRequest, startFakeOpenAI } from "../test/fake-llm/index.js";
import type { JsonBody } from "../test/helpers/agent-turns.js";
import { REVERIE_BIN } from "../test/helpers/server-process.js";

const TARGET_RATIO = 1.5;

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    clients: { type: "string", default: "4" },
    "idle-minutes": { type: "string", default: "1" },
    "sample-seconds": { type: "string", default: "10" },
    kinds: { type: "string", default: "plain,stream,tool,async" },
    "malloc-arena-max": { type: "string" },
    "node-flags": { type: "string", default: "" },
    "heap-snapshots": { type: "string", default: "" },
    label: { type: "string", default: "" },
    "live-heap": { type: "boolean", default: false },
  },
});

const loadMs = Number(args.minutes) * 60_000;
const idleMs = Number(args["idle-minutes"]) * 60_000;
const sampleMs = Number(args["sample-seconds"]) * 1000;
const clientCount = Number(args.clients);
const TURN_KINDS = ["plain", "stream", "tool", "async"] as const;
type TurnKind = (typeof TURN_KINDS)[number];
const kinds = args.kinds.split(",").filter((kind): kind is TurnKind => TURN_KINDS.includes(kind as TurnKind));
const snapshotMinutes = args["heap-snapshots"]
  .split(",")
  .filter((minute) => minute.trim() !== "")
  .map(Number);
for (const [name, value] of Object.entries({ loadMs, idleMs, sampleMs, clientCount })) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number`);
}
if (kinds.length === 0) throw new Error(`--kinds: choose from ${TURN_KINDS.join(",")}`);
if (clientCount < 1 || sampleMs <= 0) throw new Error("--clients and --sample-seconds must be positive");

const results = join(import.meta.dirname, "results");
const snapshotDir = join(results, "soak-snapshots");
const probeUrl = pathToFileURL(join(import.meta.dirname, "soak-memory-probe.mjs")).href;

/**
 * Spawns `reverie server --port 0` as a user does and resolves once it listens. On a loaded machine the
 * start can take long: it may take 2 minutes, and a server that does not start in time is killed.
 */
async function startServer(nodeFlags: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...nodeFlags, REVERIE_BIN, "server", "--port", "0"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_MODELS_HUB: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not start within 2 minutes:\n${output}`));
    }, 120_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The fake model: a tool call when the user asks for one, an answer otherwise and after a tool's return. */
function reply(request: RecordedRequest) {
  const body = request.body as { messages?: { role?: string }[] } | undefined;
  const last = body?.messages?.at(-1);
  if (last?.role === "tool") return { text: "Done: I looked that up and noted it." };
  const text = lastUserText(request);
  const turn = /turn (\d+)/.exec(text)?.[1] ?? "0";
  if (text.includes("[search]")) {
    return { toolCalls: [{ name: "conversation_search", arguments: { query: "tea", limit: 3 } }] };
  }
  if (text.includes("[note]")) {
    return {
      toolCalls: [
        {
          name: "archival_memory_insert",
          arguments: { content: `Note of turn ${turn}: the user likes tea.` },
        },
      ],
    };
  }
  return { text: `Answer to turn ${turn}: noted, thank you. ${"Some words of a longer reply. ".repeat(8)}` };
}

const openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"], embeddingDim: 64 });
openai.script.respondWith(reply);
// The fake records every request; a soak run would grow this process by gigabytes.
const forgetRequests = setInterval(() => openai.requests.splice(0), 1000);

const home = mkdtempSync(join(tmpdir(), "reverie-bench-soak-"));
const probeFile = join(home, "memory-probe.json");
const nodeFlags = [`--import=${probeUrl}`, ...args["node-flags"].split(" ").filter(Boolean)];
if (args["live-heap"]) nodeFlags.push("--expose-gc");
if (snapshotMinutes.length > 0) {
  mkdirSync(snapshotDir, { recursive: true });
  nodeFlags.push("--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${snapshotDir}`);
}
const server = await startServer(nodeFlags, {
  REVERIE_HOME: home,
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: openai.url,
  REVERIE_SOAK_PROBE_FILE: probeFile,
  ...(args["live-heap"] ? { REVERIE_SOAK_PROBE_GC_MS: String(sampleMs) } : {}),
  ...(args["malloc-arena-max"] ? { MALLOC_ARENA_MAX: args["malloc-arena-max"] } : {}),
});
// A bench that dies halfway leaves no server behind.
process.once("exit", () => {
  if (server.child.exitCode === null) server.child.kill("SIGKILL");
});
const url = server.url;
const pid = server.child.pid;
if (pid === undefined) throw new Error("the server process has no pid");

interface Sample {
  t_s: number;
  phase: "load" | "idle";
  turns: number;
  rss_mb: number;
  rss_anon_mb: number;
  rss_file_mb: number;
  threads: number;
  heap_used_mb: number;
  heap_total_mb: number;
  /** The heap after a full collection (--live-heap), else null. */
  live_heap_mb: number | null;
  external_mb: number;
  array_buffers_mb: number;
  malloced_mb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Fields of /proc/<pid>/status, in bytes (kB values) or as counts. */
function procStatus(): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const match = /^(\w+):\s+(\d+)(\s+kB)?/.exec(line);
    if (match) fields[match[1] as string] = Number(match[2]) * (match[3] ? 1024 : 1);
  }
  return fields;
}

function readProbe(): Record<string, number | null> {
  try {
    return JSON.parse(readFileSync(probeFile, "utf8")) as Record<string, number | null>;
  } catch {
    return {};
  }
}

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

const counts = { turns: 0, failed: 0 };
const failures: string[] = [];
const byKind: Record<string, number> = {};

function fail(what: string): void {
  counts.failed += 1;
  if (failures.length < 20) failures.push(what.slice(0, 300));
}

/** One turn of `kind`; true when it ended with the model's answer. */
async function turn(agentId: string, kind: TurnKind, index: number): Promise<boolean> {
  const tag = kind === "tool" ? (index % 2 === 0 ? " [search]" : " [note]") : "";
  const messages = [{ role: "user", content: `This is turn ${index}: I like tea.${tag}` }];
  if (kind === "plain" || kind === "tool") {
    const response = await call("POST", `/v1/agents/${agentId}/messages`, { messages });
    const stop = response.body?.stop_reason?.stop_reason;
    if (response.status === 200 && stop === "end_turn") return true;
    fail(`${kind}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
    return false;
  }
  if (kind === "stream") {
    const response = await fetch(`${url}/v1/agents/${agentId}/messages/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages, stream_tokens: true }),
    });
    const text = await response.text();
    if (response.status === 200 && text.includes('"end_turn"')) return true;
    fail(`stream: HTTP ${response.status} ${text.slice(-300)}`);
    return false;
  }
  const started = await call("POST", `/v1/agents/${agentId}/messages/async`, { messages });
  if (started.status !== 200) {
    fail(`async: HTTP ${started.status} ${JSON.stringify(started.body)}`);
    return false;
  }
  for (;;) {
    const run = await call("GET", `/v1/runs/${started.body.id}`);
    const status = run.body?.status;
    if (status === "completed") return true;
    if (status === "failed" || status === "cancelled" || run.status !== 200) {
      fail(`async: run ${status} HTTP ${run.status} ${JSON.stringify(run.body)}`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const embedding = "openai/text-embedding-3-small";
const agents: string[] = [];
for (let client = 0; client < clientCount; client++) {
  const agent = await call("POST", "/v1/agents/", {
    name: `soak-${client}`,
    model: "openai/gpt-4o-mini",
    embedding,
    tools: ["archival_memory_insert"],
    memory_blocks: [
      { label: "human", value: "Name: Ada Lovelace\nLikes: mathematics, poetry, tea" },
      { label: "persona", value: "I am a helpful assistant with a long memory." },
    ],
  });
  if (agent.status !== 200) throw new Error(`creating an agent failed: ${JSON.stringify(agent.body)}`);
  agents.push(agent.body.id as string);
}

const samples: Sample[] = [];
const started = performance.now();
const elapsedS = () => Math.round((performance.now() - started) / 1000);
let phase: Sample["phase"] = "load";

function sample(): void {
  const proc = procStatus();
  const probe = readProbe();
  const row: Sample = {
    t_s: elapsedS(),
    phase,
    turns: counts.turns,
    rss_mb: mb(proc.VmRSS ?? 0),
    rss_anon_mb: mb(proc.RssAnon ?? 0),
    rss_file_mb: mb(proc.RssFile ?? 0),
    threads: proc.Threads ?? 0,
    heap_used_mb: mb(probe.heap_used ?? 0),
    heap_total_mb: mb(probe.heap_total ?? 0),
    live_heap_mb: typeof probe.live_heap === "number" ? mb(probe.live_heap) : null,
    external_mb: mb(probe.external ?? 0),
    array_buffers_mb: mb(probe.array_buffers ?? 0),
    malloced_mb: mb(probe.malloced ?? 0),
  };
  samples.push(row);
  console.error(
    `${String(row.t_s).padStart(5)} s ${phase.padEnd(4)} ${String(row.turns).padStart(6)} turns  rss ${row.rss_mb} MB` +
      ` (anon ${row.rss_anon_mb})  heap ${row.heap_used_mb}/${row.heap_total_mb} MB` +
      `${row.live_heap_mb === null ? "" : ` (live ${row.live_heap_mb})`}  external ${row.external_mb} MB` +
      `  failed ${counts.failed}`,
  );
}

sample();
const sampler = setInterval(sample, sampleMs);
const snapshotTimers = snapshotMinutes.map((minute) =>
  setTimeout(() => {
    console.error(`heap snapshot at ${minute} min (SIGUSR2)`);
    process.kill(pid, "SIGUSR2");
  }, minute * 60_000),
);

const deadline = performance.now() + loadMs;
await Promise.all(
  agents.map(async (agentId, client) => {
    for (let index = 0; performance.now() < deadline; index++) {
      const kind = kinds[(index + client) % kinds.length] as TurnKind;
      try {
        if (await turn(agentId, kind, index)) {
          counts.turns += 1;
          byKind[kind] = (byKind[kind] ?? 0) + 1;
        }
      } catch (error) {
        fail(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }),
);
const loadSeconds = (performance.now() - started) / 1000;
sample();
const endOfLoad = samples.at(-1) as Sample;
phase = "idle";
await new Promise((resolve) => setTimeout(resolve, idleMs));
sample();
clearInterval(sampler);
for (const timer of snapshotTimers) clearTimeout(timer);
clearInterval(forgetRequests);
const serverAlive = server.child.exitCode === null;
const serverOutput = server.output();
await server.stop();
await openai.close();
rmSync(home, { recursive: true, force: true });

// RSS after the first minute: the first sample at or after 60 s (or the last of a shorter run).
const firstMinute = samples.find((row) => row.t_s >= 60) ?? endOfLoad;
const afterIdle = samples.at(-1) as Sample;
const ratio = Math.round((endOfLoad.rss_mb / firstMinute.rss_mb) * 100) / 100;
console.table(samples);
const summary = {
  minutes: Number(args.minutes),
  clients: clientCount,
  kinds,
  turns: counts.turns,
  turns_by_kind: byKind,
  turns_per_s: Math.round((counts.turns / loadSeconds) * 10) / 10,
  failed_turns: counts.failed,
  rss_start_mb: samples[0]?.rss_mb,
  rss_1min_mb: firstMinute.rss_mb,
  rss_end_mb: endOfLoad.rss_mb,
  ratio_end_to_1min: ratio,
  rss_after_idle_mb: afterIdle.rss_mb,
  heap_used_1min_mb: firstMinute.heap_used_mb,
  heap_used_end_mb: endOfLoad.heap_used_mb,
  heap_used_after_idle_mb: afterIdle.heap_used_mb,
  live_heap_1min_mb: firstMinute.live_heap_mb,
  live_heap_end_mb: endOfLoad.live_heap_mb,
  live_heap_after_idle_mb: afterIdle.live_heap_mb,
  malloc_arena_max: args["malloc-arena-max"] ?? null,
  node_flags: args["node-flags"] || null,
  server_alive_at_end: serverAlive,
};
console.log(
  `${counts.turns} turns (${summary.turns_per_s}/s), ${counts.failed} failed; RSS ${summary.rss_start_mb} MB at start, ` +
    `${firstMinute.rss_mb} MB at ${firstMinute.t_s} s, ${endOfLoad.rss_mb} MB at the end of the load ` +
    `(${ratio}x, target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? "met" : "NOT met"}), ` +
    `${afterIdle.rss_mb} MB after ${args["idle-minutes"]} min idle`,
);
for (const failure of failures) console.log(`  failed: ${failure}`);
if (!serverAlive) console.log(`the server exited during the run:\n${serverOutput.slice(-2000)}`);
if (snapshotMinutes.length > 0) {
  console.log(`heap snapshots: ${readdirSync(snapshotDir).join(", ")} in ${snapshotDir}`);
}

mkdirSync(results, { recursive: true });
writeFileSync(
  join(results, `soak${args.label ? `-${args.label}` : ""}.json`),
  `${JSON.stringify(
    {
      target_ratio: TARGET_RATIO,
      summary,
      samples,
      failures,
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      total_memory_mb: mb(totalmem()),
      loadavg: loadavg(),
    },
    null,
    2,
  )}\n`,
);
