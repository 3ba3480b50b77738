// The Memory Palace's weight and speed in real Chromium: the JavaScript it ships (gzipped, as the
// server sends it), its first load from a local server with an empty cache, and scrolling an archive
// of 10,000 passages paged from the API, with a Chromium performance trace of the scroll.
// Usage: npm run bench:web [-- --passages 10000 --loads 7]   (needs `npm run build` first)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { startFakeOpenAI } from "../test/fake-llm/index.js";
import { startServerProcess } from "../test/helpers/server-process.js";
import { CHROMIUM } from "../test/web/browser.js";

const { values } = parseArgs({
  options: { passages: { type: "string", default: "10000" }, loads: { type: "string", default: "7" } },
});
const PASSAGES = Number(values.passages);
const LOADS = Number(values.loads);
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const results = join(import.meta.dirname, "results");
mkdirSync(results, { recursive: true });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

// 1. What the browser downloads: every script of the build, gzipped as the server serves it.
const assets = join(import.meta.dirname, "..", "dist", "web", "assets");
const scripts = readdirSync(assets).filter((name) => name.endsWith(".js"));
const jsBytes = scripts.reduce((sum, name) => sum + readFileSync(join(assets, name)).length, 0);
const jsGzip = scripts.reduce(
  (sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length,
  0,
);

// 2. A server with one agent holding PASSAGES passages, embedded by the fake model.
const home = mkdtempSync(join(tmpdir(), "reverie-bench-web-"));
const openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
const server = await startServerProcess({
  REVERIE_HOME: home,
  OPENAI_API_KEY: "sk-bench",
  OPENAI_BASE_URL: openai.url,
});
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
};
const agent = await post("/v1/agents/", {
  name: "palace-bench",
  memory_blocks: [{ label: "human", value: "A reader of many books." }],
});
await post(`/v1/agents/${agent.id}/archival-memory`, { text: "The first note.", tags: ["note"] });
const [archive] = (await (await fetch(`${server.url}/v1/archives/?agent_id=${agent.id}`)).json()) as Array<{
  id: string;
}>;
const words = [
  "river",
  "lamp",
  "atlas",
  "garden",
  "violin",
  "harbor",
  "ember",
  "quartz",
  "meadow",
  "lantern",
];
const seedStarted = performance.now();
for (let start = 1; start < PASSAGES; start += 500) {
  const passages = Array.from({ length: Math.min(500, PASSAGES - start) }, (_, offset) => {
    const n = start + offset;
    return {
      text: `Note ${n}: the ${words[n % 10]} by the ${words[(n * 7) % 10]} holds memory ${n} of ${PASSAGES}.`,
      tags: [`tag-${n % 20}`],
    };
  });
  await post(`/v1/archives/${archive?.id}/passages/batch`, { passages });
}
const seedSeconds = (performance.now() - seedStarted) / 1000;

// 3. First loads: a new browser context each time (empty cache, no service worker yet).
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
const loads: Array<{ ready: number; domContentLoaded: number; load: number; transferred: number }> = [];
for (let i = 0; i < LOADS; i++) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(server.url);
  await page.getByRole("link", { name: "palace-bench" }).waitFor();
  const ready = performance.now() - started;
  const timing = (await page.evaluate(
    `(() => { const n = performance.getEntriesByType("navigation")[0];
      const transferred = performance.getEntriesByType("resource").reduce((s, r) => s + r.transferSize, n.transferSize);
      return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd, transferred }; })()`,
  )) as { domContentLoaded: number; load: number; transferred: number };
  loads.push({ ready, ...timing });
  await context.close();
}

// 4. The Palace with every passage: scroll the archive to its end, loading page after page, with a trace.
const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
const page = await context.newPage();
await page.goto(`${server.url}/#/agents/${agent.id}/palace`);
const list = page.locator(".archival .virtual-list");
await list.locator("li").first().waitFor();
await page.evaluate(`(() => {
  window.__frames = [];
  window.__longTasks = [];
  let last = performance.now();
  const tick = (now) => { window.__frames.push(now - last); last = now; window.__raf = requestAnimationFrame(tick); };
  window.__raf = requestAnimationFrame(tick);
  new PerformanceObserver((entries) => { for (const e of entries.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: "longtask", buffered: false });
})()`);
const tracePath = join(results, "web-scroll-trace.json");
await browser.startTracing(page, { path: tracePath, screenshots: false });
const scrollStarted = performance.now();
let loaded = 0;
// Bounded in time as well: a list that stops loading ends the run instead of spinning.
for (let step = 0; step < 4000 && loaded < PASSAGES && performance.now() - scrollStarted < 300_000; step++) {
  await list.evaluate((element: { scrollTop: number }) => {
    element.scrollTop += 1200;
  });
  await page.waitForTimeout(16);
  if (step % 20 === 0) {
    loaded = Number(((await page.getByTestId("passage-count").textContent()) ?? "0").replace(/[^\d]/g, ""));
  }
}
const scrollSeconds = (performance.now() - scrollStarted) / 1000;
await browser.stopTracing();
const frames = (await page.evaluate(
  "(() => { cancelAnimationFrame(window.__raf); return window.__frames.slice(1); })()",
)) as number[];
const longTasks = (await page.evaluate("window.__longTasks")) as number[];
const rowsInDom = await list.locator("li").count();
await browser.close();
await server.stop();
await openai.close();
rmSync(home, { recursive: true, force: true });

const round = (value: number) => Math.round(value * 10) / 10;
const summary = {
  js_files: scripts.length,
  js_kb: round(jsBytes / 1024),
  js_gzip_kb: round(jsGzip / 1024),
  first_load_ready_ms: {
    p50: round(
      percentile(
        loads.map((l) => l.ready),
        50,
      ),
    ),
    p95: round(
      percentile(
        loads.map((l) => l.ready),
        95,
      ),
    ),
  },
  first_load_event_ms: {
    p50: round(
      percentile(
        loads.map((l) => l.load),
        50,
      ),
    ),
    p95: round(
      percentile(
        loads.map((l) => l.load),
        95,
      ),
    ),
  },
  first_load_transferred_kb: round((loads[0]?.transferred ?? 0) / 1024),
  passages: PASSAGES,
  seed_seconds: round(seedSeconds),
  passages_loaded_by_scrolling: loaded,
  scroll_seconds: round(scrollSeconds),
  frames: frames.length,
  frame_ms: {
    p50: round(percentile(frames, 50)),
    p95: round(percentile(frames, 95)),
    max: round(Math.max(...frames)),
  },
  frames_over_50ms: frames.filter((frame) => frame > 50).length,
  long_tasks: longTasks.length,
  long_task_max_ms: round(Math.max(0, ...longTasks)),
  rows_in_dom_at_end: rowsInDom,
  trace: tracePath,
};
console.table([
  {
    measure: "JavaScript (gzip / raw KB)",
    value: `${summary.js_gzip_kb} / ${summary.js_kb} in ${summary.js_files} file(s)`,
  },
  {
    measure: `first load to agents list, p50 / p95 ms (${LOADS} cold loads)`,
    value: `${summary.first_load_ready_ms.p50} / ${summary.first_load_ready_ms.p95}`,
  },
  {
    measure: "first load, load event p50 / p95 ms",
    value: `${summary.first_load_event_ms.p50} / ${summary.first_load_event_ms.p95}`,
  },
  { measure: "first load transferred KB", value: summary.first_load_transferred_kb },
  {
    measure: "passages loaded by scrolling",
    value: `${summary.passages_loaded_by_scrolling} of ${PASSAGES} in ${summary.scroll_seconds} s`,
  },
  {
    measure: "frame time p50 / p95 / max ms",
    value: `${summary.frame_ms.p50} / ${summary.frame_ms.p95} / ${summary.frame_ms.max}`,
  },
  { measure: "frames over 50 ms / total", value: `${summary.frames_over_50ms} / ${summary.frames}` },
  { measure: "long tasks (max ms)", value: `${summary.long_tasks} (${summary.long_task_max_ms})` },
  { measure: "list rows in the DOM at the end", value: summary.rows_in_dom_at_end },
]);
writeFileSync(
  join(results, "web.json"),
  `${JSON.stringify({ ...summary, node: process.version }, null, 2)}\n`,
);
