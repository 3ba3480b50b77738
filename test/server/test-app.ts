import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import type { Clock, IdGenerator } from "../../src/domain/index.js";
import { createModelRegistry, type ModelRegistry } from "../../src/llm/model-registry.js";
import type { ProviderConfig } from "../../src/llm/provider-config.js";
import type { ProviderHealth } from "../../src/llm/provider-health.js";
import { createEmbedder, type Embedder } from "../../src/llm/providers/embeddings.js";
import { createModelProvider } from "../../src/llm/providers/model-provider.js";
import type { RetryNotice, RetryPolicy } from "../../src/llm/providers/retry.js";
import { createServices, type ServiceDeps, type Services } from "../../src/runtime/services.js";
import { upsertBaseTools } from "../../src/runtime/tools/base-tools.js";
import type { CpuPool } from "../../src/runtime/workers/cpu-pool.js";
import { createApp } from "../../src/server/app.js";
import { type ApiKeyService, createApiKeyService } from "../../src/server/auth/api-keys.js";
import type { ProtectionOptions } from "../../src/server/protection/protection.js";
import { openSqliteStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/store.js";
import { openFreshPostgresStore, TEST_POSTGRES_URL, type TestStoreKind } from "../helpers/postgres-schema.js";

/** A clock that moves 1 ms per reading, so creation order is also timestamp order. */
export function tickingClock(start = Date.UTC(2026, 0, 1)): Clock {
  let now = start;
  return { now: () => new Date(now++) };
}

/** Ids `prefix-00000000-0000-4000-8000-<counter>`: valid uuids, increasing. */
export function countingIds(): IdGenerator {
  let counter = 0;
  return {
    next: (prefix) => `${prefix}-00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests.
type JsonBody = any;

export interface TestApp {
  app: Hono;
  store: Store;
  services: Services;
  registry: ModelRegistry;
  /** Internal errors the app logged. */
  logged: Array<{ message: string; fields: Record<string, unknown> }>;
  /** Every line of the app's log, all levels, in order. */
  logLines: Array<{ level: string; message: string; fields: Record<string, unknown> }>;
  /** The API keys, when created with `auth` (requests then need a key once one exists). */
  keys: ApiKeyService | undefined;
  /** JSON request helper: returns status, parsed body and headers. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: JsonBody; headers: Headers }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  providers?: ProviderConfig;
  /** The built web app to serve at `/` (default: the package's dist/web). */
  webRoot?: string | false;
  maxBodyBytes?: number;
  /**
   * The store: a temp-file SQLite database (default), or a fresh schema of the PostgreSQL database at
   * `REVERIE_TEST_POSTGRES_URL` (dropped on close; the caller skips when that variable is unset).
   */
  store?: TestStoreKind;
  /** LLM retries (default: none, so a scripted failure fails at once). */
  retry?: Partial<RetryPolicy>;
  /** Told before each LLM retry. */
  onRetry?: (notice: RetryNotice) => void;
  /** The clock (default: one that ticks 1 ms per reading). */
  clock?: Clock;
  /** Sleep-time triggers and budgets. */
  sleeptime?: ServiceDeps["sleeptime"];
  /** Embeds passages and queries (e.g. over a fake OpenAI server); without it search is text-only. */
  embedder?: Embedder;
  /** Allowed hosts and CORS origins (default: loopback only, no CORS). */
  protection?: ProtectionOptions;
  /** MCP client settings (stdio servers are off unless set). */
  mcp?: ServiceDeps["mcp"];
  /** `fetch_webpage` and `web_search` (default: public pages only, no search provider). */
  web?: ServiceDeps["web"];
  /** How deep agents may message each other (default 3). */
  multiAgentMaxDepth?: number;
  /** The tool sandbox (`run_code`); none by default. */
  sandbox?: ServiceDeps["sandbox"];
  /**
   * Which addresses organizations' providers may reach (`REVERIE_PROVIDER_ALLOW_PRIVATE`); default, as
   * in the server: public ones only, so a provider on the fake servers (127.0.0.1) needs it.
   */
  providerNetwork?: ServiceDeps["providerNetwork"];
  /** Checks API keys as `reverie server` does; `envKey` plays `REVERIE_API_KEY`. */
  auth?: { envKey?: string };
  /** Probes the providers for `/v1/health` (default: none). */
  providerHealth?: ProviderHealth;
  /** Runs custom tools (default: none, so they answer that no sandbox is available). */
  customTools?: ServiceDeps["customTools"];
  /** Worker threads for large bodies, uploads and chunking (default: everything in place). */
  cpu?: CpuPool;
}

/** The app over a fresh store; OpenAI is configured with a key (no network). */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "reverie-server-test-"));
  const clock = options.clock ?? tickingClock();
  const ids = countingIds();
  let store: Store;
  if (options.store === "postgres") {
    if (!TEST_POSTGRES_URL) throw new Error("REVERIE_TEST_POSTGRES_URL is not set");
    store = await openFreshPostgresStore(TEST_POSTGRES_URL, { clock, ids });
  } else {
    store = await openSqliteStore({ path: join(dir, "reverie.db"), clock, ids });
  }
  await upsertBaseTools(store, { clock, ids });
  const providers = options.providers ?? { openai: { apiKey: "sk-test" } };
  const registry = createModelRegistry(providers);
  const provider = createModelProvider({
    providers,
    retry: { maxRetries: 0, ...options.retry },
    onRetry: options.onRetry,
  });
  const logged: TestApp["logged"] = [];
  const logLines: TestApp["logLines"] = [];
  const line =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      logLines.push({ level, message, fields });
      if (level === "error") logged.push({ message, fields });
    };
  // The services' lines (failed runs) go to `logLines` only; `logged` keeps the app's internal errors.
  const serviceLine =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      logLines.push({ level, message, fields });
    };
  const services = createServices({
    log: {
      debug: serviceLine("debug"),
      info: serviceLine("info"),
      warn: serviceLine("warn"),
      error: serviceLine("error"),
    },
    store,
    models: registry,
    clock,
    ids,
    provider,
    embedder: options.embedder,
    sleeptime: options.sleeptime,
    mcp: options.mcp,
    web: options.web,
    customTools: options.customTools,
    cpu: options.cpu,
    organizationModels: {
      baseConfig: providers,
      build: (config) => ({
        models: createModelRegistry(config),
        provider: createModelProvider({
          providers: config,
          retry: { maxRetries: 0, ...options.retry },
          onRetry: options.onRetry,
        }),
        // As the server does: the organization's own embedding handles, beside the given embedder.
        embedder:
          options.embedder &&
          createEmbedder({ providers: { ...config, local: undefined }, retry: { maxRetries: 0 } }),
      }),
    },
    providerNetwork: options.providerNetwork,
    multiAgentMaxDepth: options.multiAgentMaxDepth,
    sandbox: options.sandbox,
  });
  const keys =
    options.auth === undefined
      ? undefined
      : createApiKeyService({ store, clock, ids, envKey: options.auth.envKey });
  const app = createApp({
    services,
    registry,
    version: { letta: "0.16.8", reverie: "0.0.0-test" },
    maxBodyBytes: options.maxBodyBytes,
    cpu: options.cpu,
    validateResponses: true,
    log: { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") },
    webRoot: options.webRoot,
    protection: options.protection,
    auth: keys,
    providerHealth: options.providerHealth,
  });
  return {
    app,
    store,
    services,
    registry,
    logged,
    logLines,
    keys,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        init.headers = { "content-type": "application/json", ...headers };
      }
      const response = await app.request(path, init);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await services.jobs.stop();
      await services.mcpServers.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
