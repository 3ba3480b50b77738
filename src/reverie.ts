import {
  type Clock,
  consoleLog,
  type IdGenerator,
  type Log,
  randomIds,
  reverieHome,
  systemClock,
} from "./domain/index.js";
import { createModelRegistry, type ModelRegistry } from "./llm/model-registry.js";
import { type ProviderConfig, providerConfigFromEnv } from "./llm/provider-config.js";
import { createProviderHealth, type ProviderHealth } from "./llm/provider-health.js";
import { lazyEmbedder, lazyModelProvider } from "./llm/providers/lazy.js";
import type { RetryNotice } from "./llm/providers/retry.js";
import { logRetry } from "./llm/providers/retry-log.js";
import type { ModelProvider } from "./llm/providers/types.js";
import { recoverInterruptedRuns } from "./runtime/agent-loop/recovery.js";
import { backgroundSettingsFromEnv } from "./runtime/jobs/settings-from-env.js";
import { createSecretBox, loadSecretKeys } from "./runtime/secrets/index.js";
import { createServices, type Services } from "./runtime/services.js";
import { upsertBaseTools } from "./runtime/tools/base-tools.js";
import { multiAgentDepthFromEnv } from "./runtime/tools/multi-agent/multi-agent-tools.js";
import {
  createSandbox,
  customToolsFromEnv,
  sandboxConfigFromEnv,
} from "./runtime/tools/sandbox/select-sandbox.js";
import { addressPolicyFromSetting } from "./runtime/tools/web/address-policy.js";
import { createWebTools, webToolSettingsFromEnv } from "./runtime/tools/web/web-tools.js";
import { type CpuPool, createCpuPool } from "./runtime/workers/cpu-pool.js";
import { databaseUrlFromEnv, openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { withOrganization } from "./store/tenancy.js";

/** Options of {@link openReverie}; anything left out is read from the environment. */
export interface ReverieOptions {
  /** Data directory (`REVERIE_HOME`); the SQLite file is `<home>/reverie.db`. */
  home?: string;
  /** `postgres://…` or a SQLite file path (`REVERIE_DATABASE_URL`); wins over `home`. */
  databaseUrl?: string;
  /** Model providers; by default from the usual environment variables (`OPENAI_API_KEY`…). */
  providers?: ProviderConfig;
  /** Replaces the model provider built from `providers` (tests, custom gateways). */
  provider?: ModelProvider;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  ids?: IdGenerator;
  /** Where failed runs and LLM retries are reported (default: warnings and errors to the console). */
  log?: Log;
  /** Whether this process runs background jobs (sleep-time, re-embedding, files). Default true. */
  worker?: boolean;
  /**
   * Whether to mark runs left unfinished by a crash as failed (default true). Commands that work on the
   * data beside a running server (import, export, reembed) pass false: that server's runs are alive.
   */
  recoverRuns?: boolean;
}

/** A running Reverie: the same services the HTTP server uses, in-process. */
export interface Reverie {
  readonly store: Store;
  readonly models: ModelRegistry;
  readonly services: Services;
  /** Where the data lives (a SQLite path or a PostgreSQL URL). */
  readonly databaseUrl: string;
  /** Which configured providers answer (for `/v1/health`); probed on demand, never at open. */
  readonly providerHealth: ProviderHealth;
  /** The worker threads for CPU-heavy work (the HTTP app parses large bodies there). */
  readonly cpu: CpuPool;
  close(): Promise<void>;
}

/** Opens (and migrates) the store and builds the services on it. */
export async function openReverie(options: ReverieOptions = {}): Promise<Reverie> {
  const env = options.env ?? process.env;
  const background = backgroundSettingsFromEnv(env);
  // Read before the store opens, so a bad setting fails the start-up cleanly.
  // Threads start on first use: a start that fails below leaves none to stop.
  const cpu = createCpuPool();
  const web = createWebTools(webToolSettingsFromEnv(env), cpu);
  const customTools = customToolsFromEnv(env, options.home ?? reverieHome(env), (message) =>
    process.stderr.write(`reverie: ${message}\n`),
  );
  multiAgentDepthFromEnv(env);
  // Organizations' providers reach public addresses only, unless the operator allows more.
  const providerNetwork = {
    policy: addressPolicyFromSetting(env.REVERIE_PROVIDER_ALLOW_PRIVATE, "REVERIE_PROVIDER_ALLOW_PRIVATE"),
  };
  const databaseUrl =
    options.databaseUrl ??
    databaseUrlFromEnv(
      options.home === undefined
        ? env
        : { ...env, REVERIE_HOME: options.home, REVERIE_DATABASE_URL: undefined },
    );
  const store = await openStore(databaseUrl);
  const providers =
    options.providers ??
    providerConfigFromEnv(options.home === undefined ? env : { ...env, REVERIE_HOME: options.home });
  const models = createModelRegistry(providers);
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  try {
    // Each organization has its own rows of the built-in tools (tool names are unique per organization).
    for (const organization of await store.organizations.list()) {
      await withOrganization(organization.id, () => upsertBaseTools(store, { clock, ids }));
    }
    if (options.recoverRuns !== false) await recoverInterruptedRuns(store, clock);
  } catch (error) {
    await store.close();
    throw error;
  }
  // The key is read (or its file created) on the first secret sealed or opened, not at start.
  const secretBox = createSecretBox(() => loadSecretKeys({ env, home: options.home ?? reverieHome(env) }));
  const embedder = lazyEmbedder(async () =>
    (await import("./llm/providers/embeddings.js")).createEmbedder({ providers }),
  );
  const log = options.log ?? consoleLog;
  const onRetry = (notice: RetryNotice) => logRetry(log, notice);
  const services = createServices({
    ...background,
    cpu,
    store,
    models,
    clock,
    ids,
    log,
    provider:
      options.provider ??
      lazyModelProvider(async () =>
        (await import("./llm/providers/model-provider.js")).createModelProvider({ providers, onRetry }),
      ),
    embedder,
    secretBox,
    organizationModels: {
      baseConfig: providers,
      build: (config) => ({
        models: createModelRegistry(config),
        provider: lazyModelProvider(async () =>
          (await import("./llm/providers/model-provider.js")).createModelProvider({
            providers: config,
            onRetry,
          }),
        ),
        // Only the organization's own handles reach it (`local/` ones stay on the server's embedder).
        embedder: lazyEmbedder(async () =>
          (await import("./llm/providers/embeddings.js")).createEmbedder({
            providers: { ...config, local: undefined },
          }),
        ),
      }),
    },
    providerNetwork,
    web,
    customTools,
    multiAgentMaxDepth: multiAgentDepthFromEnv(env),
    // run_code's sandbox: the same backend as custom tools' (whose runner already warned about it).
    sandbox: createSandbox(sandboxConfigFromEnv(env), { warn: () => {}, env }),
    mcp: { stdioAllowed: env.REVERIE_MCP_STDIO === "on" },
  });
  if (options.worker !== false) {
    services.jobs.start();
    services.runRecovery.start();
  }
  return {
    store,
    models,
    services,
    databaseUrl,
    providerHealth: createProviderHealth({ config: providers }),
    cpu,
    async close() {
      // Stopping the jobs aborts their CPU tasks, whose threads are terminated rather than waited for.
      await services.runRecovery.stop();
      await services.jobs.stop();
      await cpu.close();
      await services.mcpServers.close();
      await embedder.close?.();
      await store.close();
    },
  };
}
