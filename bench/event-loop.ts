// Does any input freeze the server? While a client probes GET /v1/health every 50 ms, adversarial inputs
// are sent one at a time to a real `reverie server` (spawned, SQLite, the real OpenAI provider against a
// zero-latency fake OpenAI server): runs of one character and of short patterns at 4 KB, 130 KB and the
// body limit, as a message, an archival insert and an upload; a 9 MB upload of ordinary text; a deeply
// nested JSON body. For each input it prints the worst health latency from sending it until the server
// is done with it (an upload: until its processing ends) and what the server answered. Target: every
// worst latency under 100 ms, every input answered with a defined result.
//
// Usage: npm run bench:event-loop [-- --units=-,ab --sizes=4k,130k,limit --kinds=message,archival,upload]
//        (needs `npm run build` first: the server is started from bin/reverie.js)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startFakeOpenAI } from "../test/fake-llm/index.js";
import type { JsonBody } from "../test/helpers/agent-turns.js";
import { startServerProcess } from "../test/helpers/server-process.js";

const BODY_LIMIT = 10 * 1024 * 1024;
const TARGET_MS = 100;
const PROBE_EVERY_MS = 50;
/** How long one input may keep the server busy before the bench moves on (uploads of big files). */
const SETTLE_LIMIT_MS = 300_000;

const { values: args } = parseArgs({
  options: {
    units: { type: "string", default: "-, ,ab,B,=-" },
    sizes: { type: "string", default: "4k,130k,limit" },
    kinds: { type: "string", default: "message,archival,upload" },
    "no-extra": { type: "boolean", default: false },
  },
});

const SIZES: Record<string, number> = { "4k": 4 * 1024, "130k": 130 * 1024, limit: BODY_LIMIT };

/** Watches the server's responsiveness: one probe in flight at a time, every 50 ms. */
function startProber(url: string) {
  let worst = 0;
  let inFlightSince: number | undefined;
  let failures = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const started = performance.now();
      inFlightSince = started;
      try {
        const response = await fetch(`${url}/v1/health`);
        await response.arrayBuffer();
        if (!response.ok) failures++;
      } catch {
        failures++;
      }
      inFlightSince = undefined;
      const elapsed = performance.now() - started;
      worst = Math.max(worst, elapsed);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, PROBE_EVERY_MS - elapsed)));
    }
  };
  const running = loop();
  return {
    /** Starts a new window; returns the window's worst latency (a probe still waiting counts its age). */
    reset() {
      worst = inFlightSince === undefined ? 0 : performance.now() - inFlightSince;
      failures = 0;
    },
    read() {
      const pending = inFlightSince === undefined ? 0 : performance.now() - inFlightSince;
      return { worstMs: Math.max(worst, pending), failures };
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Text of ordinary prose, code and markup (what a 9 MB upload usually is). */
function ordinaryText(bytes: number): string {
  const parts = [
    "The quick brown fox jumps over the lazy dog. ",
    "Isn't it 2026 already? They'll say it's 3.14159, or 42,000 (roughly). ",
    "\n\n## Heading\n\n- item one\n- item two\n    indented line\n",
    'const answer = { "name": "Reverie", "count": 12, "tags": ["a", "b"] };\n',
    "Meeting notes: the deploy window moved to Tuesday; Alice owns the rollback plan.\n",
    "\tfunction countTokens(text) {\n\t\treturn text.length;\n\t}\n",
  ];
  const out: string[] = [];
  let size = 0;
  let seed = 7;
  while (size < bytes) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    const part = parts[seed % parts.length]!;
    out.push(part);
    size += part.length;
  }
  return out.join("").slice(0, bytes);
}

interface Row {
  input: string;
  kind: string;
  bytes: number;
  worst_health_ms: number;
  health_failures: number;
  status: number | string;
  result: string;
  elapsed_ms: number;
}

const openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"], embeddingDim: 64 });
const home = mkdtempSync(join(tmpdir(), "reverie-bench-event-loop-"));
const server = await startServerProcess({
  REVERIE_HOME: home,
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: openai.url,
});
const url = server.url;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

const embedding = "openai/text-embedding-3-small";
const rows: Row[] = [];
const prober = startProber(url);

try {
  const agent = await call("POST", "/v1/agents/", { name: "bench", model: "openai/gpt-4o-mini", embedding });
  if (agent.status !== 200) throw new Error(`creating the agent failed: ${JSON.stringify(agent.body)}`);
  const agentId = agent.body.id as string;
  const folder = await call("POST", "/v1/folders/", { name: "bench", embedding });
  if (folder.status !== 200) throw new Error(`creating the folder failed: ${JSON.stringify(folder.body)}`);
  const folderId = folder.body.id as string;

  const summarizeTurn = (body: JsonBody): string => {
    if (typeof body !== "object" || body === null) return String(body).slice(0, 80);
    if (body.detail) return `detail: ${String(body.detail).slice(0, 80)}`;
    const stop = body.stop_reason?.stop_reason ?? body.stop_reason ?? "?";
    return `stop_reason ${stop}, ${Array.isArray(body.messages) ? body.messages.length : 0} messages`;
  };

  async function measure(
    input: string,
    kind: string,
    bytes: number,
    send: () => Promise<[number | string, string]>,
  ) {
    prober.reset();
    const started = performance.now();
    let status: number | string;
    let result: string;
    try {
      [status, result] = await send();
    } catch (error) {
      status = "error";
      result = error instanceof Error ? error.message : String(error);
    }
    const { worstMs, failures } = prober.read();
    const row: Row = {
      input,
      kind,
      bytes,
      worst_health_ms: Math.round(worstMs),
      health_failures: failures,
      status,
      result,
      elapsed_ms: Math.round(performance.now() - started),
    };
    rows.push(row);
    console.log(
      `${row.worst_health_ms <= TARGET_MS ? "ok  " : "SLOW"} ${kind.padEnd(9)} ${input.padEnd(22)} worst ${String(row.worst_health_ms).padStart(6)} ms  ${status} ${result}`,
    );
  }

  async function uploadAndWait(name: string, content: string): Promise<[number | string, string]> {
    const form = new FormData();
    form.append("file", new File([content], name, { type: "text/plain" }));
    const response = await fetch(`${url}/v1/folders/${folderId}/upload`, { method: "POST", body: form });
    const file = (await response.json()) as JsonBody;
    if (response.status !== 200) return [response.status, `detail: ${String(file.detail).slice(0, 80)}`];
    const deadline = performance.now() + SETTLE_LIMIT_MS;
    while (performance.now() < deadline) {
      const state = await call("GET", `/v1/folders/${folderId}/files/${file.id}`);
      const status = state.body.processing_status;
      if (status === "completed") return [200, `completed, ${state.body.total_chunks} chunks`];
      if (status === "error") return [200, `error: ${String(state.body.error_message).slice(0, 80)}`];
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return [200, `still processing after ${SETTLE_LIMIT_MS / 1000} s`];
  }

  const units = args.units.split(",");
  const sizes = args.sizes.split(",").filter((size) => size in SIZES);
  const kinds = new Set(args.kinds.split(","));
  for (const size of sizes) {
    for (const unit of units) {
      // The body limit applies to the whole request: leave room for the JSON or multipart around it.
      const bytes = SIZES[size]! - (size === "limit" ? 4 * 1024 : 0);
      const text = unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
      const label = `${JSON.stringify(unit)} x ${size}`;
      if (kinds.has("message")) {
        await measure(label, "message", bytes, async () => {
          const response = await call("POST", `/v1/agents/${agentId}/messages`, {
            messages: [{ role: "user", content: text }],
          });
          return [response.status, summarizeTurn(response.body)];
        });
      }
      if (kinds.has("archival")) {
        await measure(label, "archival", bytes, async () => {
          const response = await call("POST", `/v1/agents/${agentId}/archival-memory`, { text });
          const body = response.body;
          return [
            response.status,
            Array.isArray(body) ? `${body.length} passages` : `detail: ${String(body?.detail).slice(0, 80)}`,
          ];
        });
      }
      if (kinds.has("upload")) {
        await measure(label, "upload", bytes, () => uploadAndWait(`run-${size}.txt`, text));
      }
    }
  }

  if (!args["no-extra"]) {
    const nine = 9 * 1024 * 1024;
    await measure("ordinary text x 9 MB", "upload", nine, () =>
      uploadAndWait("ordinary.md", ordinaryText(nine)),
    );
    const depth = 100_000;
    const deep = `{"messages":[{"role":"user","content":"hi","x":${"[".repeat(depth)}${"]".repeat(depth)}}]}`;
    await measure(`nested arrays x ${depth}`, "message", deep.length, async () => {
      const response = await call("POST", `/v1/agents/${agentId}/messages`, deep);
      return [response.status, summarizeTurn(response.body)];
    });
    const deepObject = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    await measure(`nested objects x ${depth}`, "archival", deepObject.length, async () => {
      const response = await call("POST", `/v1/agents/${agentId}/archival-memory`, deepObject);
      return [response.status, summarizeTurn(response.body)];
    });
  }
} finally {
  await prober.stop();
  await server.stop();
  await openai.close();
  rmSync(home, { recursive: true, force: true });
}

console.table(rows.map(({ result, ...row }) => ({ ...row, result: result.slice(0, 60) })));
const over = rows.filter((row) => row.worst_health_ms > TARGET_MS || row.health_failures > 0);
console.log(
  over.length === 0
    ? `All ${rows.length} inputs kept /v1/health under ${TARGET_MS} ms.`
    : `${over.length} of ${rows.length} inputs stalled /v1/health past ${TARGET_MS} ms (or made it fail).`,
);
const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, "event-loop.json"),
  `${JSON.stringify(
    {
      target_ms: TARGET_MS,
      probe_every_ms: PROBE_EVERY_MS,
      rows,
      node: process.version,
      cpus: cpus().length,
      loadavg: loadavg(),
    },
    null,
    2,
  )}\n`,
);
