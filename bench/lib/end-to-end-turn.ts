// One-step turns measured end to end: a client (fetch) -> the Hono server over HTTP -> the real OpenAI
// provider (the AI SDK, Chat Completions) -> a zero-latency fake OpenAI server on 127.0.0.1 -> back. All
// three run in this process, so the time is every CPU cost of the path (network stack included), with
// no model time at all.
import { performance } from "node:perf_hooks";
import { randomIds, systemClock } from "../../src/domain/index.js";
import { createModelRegistry } from "../../src/llm/model-registry.js";
import { createModelProvider } from "../../src/llm/providers/model-provider.js";
import { createServices } from "../../src/runtime/services.js";
import { upsertBaseTools } from "../../src/runtime/tools/base-tools.js";
import { createApp } from "../../src/server/app.js";
import { createApiKeyService } from "../../src/server/auth/api-keys.js";
import { startServer } from "../../src/server/serve.js";
import type { Store } from "../../src/store/store.js";
import { startFakeOpenAI } from "../../test/fake-llm/openai-server.js";
import { seedHistory } from "./seed-history.js";

export interface EndToEndOptions {
  store: Store;
  history: number;
  turns: number;
  warmup: number;
  /** Keeps the window at the system message + this many messages. */
  windowTail: number;
}

/** Turn durations (ms) without API keys and, alternating with them, with one (`keyed`). */
export interface EndToEndDurations {
  plain: number[];
  keyed: number[];
}

/**
 * Durations (ms) of `turns` one-step turns sent over HTTP, after `warmup` untimed ones, to a server without
 * API keys (`plain`) and, alternating turn by turn so that both see the same machine load, to the same
 * services behind the API-key check with `Authorization: Bearer <key>` (`keyed`).
 */
export async function measureEndToEnd(options: EndToEndOptions): Promise<EndToEndDurations> {
  const { store } = options;
  const fake = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  const providers = { openai: { apiKey: "sk-bench", baseUrl: fake.url } };
  await upsertBaseTools(store, { clock: systemClock, ids: randomIds });
  const registry = createModelRegistry(providers);
  const services = createServices({
    store,
    models: registry,
    clock: systemClock,
    ids: randomIds,
    provider: createModelProvider({ providers }),
  });
  const version = { letta: "0.16.8", reverie: "bench" };
  const auth = createApiKeyService({ store });
  const { key } = await auth.create({ name: "bench" });
  const server = await startServer({ app: createApp({ services, registry, version }), port: 0 });
  const keyedServer = await startServer({ app: createApp({ services, registry, version, auth }), port: 0 });
  try {
    const agent = await services.agents.create({
      name: `bench-e2e-${options.history}`,
      model: "openai/gpt-4o-mini",
      memory_blocks: [
        { label: "human", value: "Name: Ada Lovelace\nLikes: mathematics, poetry, engines" },
        { label: "persona", value: "I am a helpful assistant with a long memory." },
      ],
    });
    const ids = await seedHistory(store, agent.id, options.history);
    const system = agent.message_ids.slice(0, 1);
    await store.agents.update(agent.id, { message_ids: [...system, ...ids.slice(-options.windowTail)] });
    const durations: EndToEndDurations = { plain: [], keyed: [] };
    for (let index = 0; index < 2 * (options.warmup + options.turns); index++) {
      const keyed = index % 2 === 1;
      const url = `${(keyed ? keyedServer : server).url}/v1/agents/${agent.id}/messages`;
      const current = await store.agents.get(agent.id);
      const window = current?.message_ids ?? [];
      if (window.length > options.windowTail + 1) {
        await store.agents.update(agent.id, {
          message_ids: [window[0] as string, ...window.slice(-options.windowTail)],
        });
      }
      fake.script.push({ text: `Answer number ${index}: noted, thank you.` });
      const started = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(keyed ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ messages: [{ role: "user", content: `Message ${index}: I like tea.` }] }),
      });
      const body = (await response.json()) as { stop_reason?: { stop_reason?: string } };
      const elapsed = performance.now() - started;
      if (response.status !== 200 || body.stop_reason?.stop_reason !== "end_turn") {
        throw new Error(`end-to-end turn ${index}: HTTP ${response.status} ${JSON.stringify(body)}`);
      }
      if (index >= 2 * options.warmup) (keyed ? durations.keyed : durations.plain).push(elapsed);
    }
    return durations;
  } finally {
    await server.close();
    await keyedServer.close();
    await fake.close();
  }
}
