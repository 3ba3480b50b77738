import { CliError, defineCommand, UsageError } from "./command.js";
import { applyHeapGrowth } from "./heap-growth.js";
import { startedByNpm, watchParent } from "./parent-watch.js";

/** Letta's port, kept so that clients configured for Letta find Reverie. */
export const DEFAULT_PORT = 8283;

/** `reverie server`: the Letta-compatible API (and the web app) until SIGINT or SIGTERM. */
export const serverCommand = defineCommand({
  name: "server",
  summary: "Start the Letta-compatible API server.",
  description: [
    "Serves the Letta v1 REST API, the OpenAPI document (/openapi.json) and its reference (/docs).",
    "Stops cleanly on Ctrl-C (SIGINT) or SIGTERM, and, when started by npm (npm start, npx reverie),",
    "when npm exits. The database and model providers come from the environment: REVERIE_HOME,",
    "REVERIE_DATABASE_URL, OPENAI_API_KEY... (see the README).",
    "",
    "API keys: once a key exists (`reverie keys create`) or REVERIE_API_KEY is set, every API request",
    "needs `Authorization: Bearer <key>` (GET /v1/health and the web app's files excepted). Without any",
    "key the server only starts on a loopback address (127.0.0.1, ::1, localhost), unless given",
    "--insecure-no-auth.",
  ].join("\n"),
  flags: {
    port: {
      type: "string",
      short: "p",
      description: `port to listen on (default: REVERIE_PORT or ${DEFAULT_PORT}; 0 picks a free port)`,
    },
    host: {
      type: "string",
      description: "address to bind (default: REVERIE_HOST or 127.0.0.1; 0.0.0.0 for every interface)",
    },
    "insecure-no-auth": {
      type: "boolean",
      description:
        "start on a non-loopback address even though no API key is configured (warned at every start)",
    },
  },
  async run({ flags }) {
    applyHeapGrowth(process.env.REVERIE_HEAP_GROWING_PERCENT);
    const port = parsePort(flags.port ?? process.env.REVERIE_PORT ?? String(DEFAULT_PORT));
    const host = flags.host ?? process.env.REVERIE_HOST ?? "127.0.0.1";
    const insecureNoAuth = flags["insecure-no-auth"] === true;
    const server = await startReverieServer({ port, host, insecureNoAuth }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE") {
          throw new CliError(`${host}:${port} is already in use (another server?); pick another with --port`);
        }
        if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") {
          throw new CliError(`cannot listen on '${host}': no such local address`);
        }
        throw error;
      },
    );
    console.log(
      `Reverie ${server.version} listening on ${server.url} (database: ${redact(server.databaseUrl)})`,
    );
    if (server.chatProviders.length === 0) {
      console.warn(
        "Warning: no model provider is configured, so agents cannot answer. Set OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY or OLLAMA_BASE_URL (see Configuration in the README) and restart.",
      );
    }
    const reason = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
      if (startedByNpm()) watchParent(() => resolve("npm exited"));
    });
    console.log(`Stopping (${reason})`);
    await server.close();
    return 0;
  },
});

/** A port number from a flag or the environment; anything else is a usage error. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`--port must be an integer between 0 and 65535, got '${text}'`);
  }
  return port;
}

/** A server started in this process (also used by `reverie open`). */
export interface LocalServer {
  url: string;
  version: string;
  databaseUrl: string;
  /** The configured providers that serve chat models (local embeddings excluded). */
  chatProviders: string[];
  close(): Promise<void>;
}

/**
 * Opens the store from the environment and serves the app on `host:port`, with API keys checked once
 * any is configured. Refuses (a CliError) a non-loopback address without a key unless `insecureNoAuth`.
 */
export async function startReverieServer(options: {
  port: number;
  host: string;
  insecureNoAuth?: boolean;
}): Promise<LocalServer> {
  const [
    { openReverie },
    { createApp },
    { startServer },
    { REVERIE_VERSION },
    { protectionFromEnvironment },
    keysModule,
    bindModule,
    logging,
  ] = await Promise.all([
    import("../reverie.js"),
    import("../server/app.js"),
    import("../server/serve.js"),
    import("../version.js"),
    import("../server/protection/protection.js"),
    import("../server/auth/api-keys.js"),
    import("../server/auth/bind-policy.js"),
    import("../server/logging/create-log.js"),
  ]);
  let protection: ReturnType<typeof protectionFromEnvironment>;
  let log: ReturnType<typeof logging.createLog>;
  try {
    protection = protectionFromEnvironment(process.env, options.host);
    log = logging.createLog({ level: logging.logLevelFromEnv(process.env) });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const reverie = await openReverie({ log });
  try {
    const auth = keysModule.createApiKeyService({
      store: reverie.store,
      envKey: process.env.REVERIE_API_KEY,
    });
    const decision = bindModule.decideBind({
      host: options.host,
      keyConfigured: await auth.required(),
      insecureNoAuth: options.insecureNoAuth ?? false,
    });
    if (decision.action === "refuse") throw new CliError(decision.message);
    if (decision.warning !== undefined) console.error(banner(decision.warning));
    const app = createApp({
      services: reverie.services,
      registry: reverie.models,
      cpu: reverie.cpu,
      version: { letta: "0.16.8", reverie: REVERIE_VERSION },
      protection,
      auth,
      log,
      providerHealth: reverie.providerHealth,
    });
    const server = await startServer({ app, port: options.port, host: options.host });
    // A first round of provider probes, in the background: a dead or refusing provider is named in the
    // log at once rather than at the first failed turn.
    void reverie.providerHealth.refresh().then(() => {
      for (const probe of reverie.providerHealth.snapshot()) {
        if (probe.status === "ok") continue;
        log.warn(
          {
            provider: probe.name,
            status: probe.status,
            http_status: probe.http_status,
            detail: probe.detail,
          },
          "provider did not answer its probe",
        );
      }
    });
    // The tokenizers' rank tables load a slice at a time in the background: loaded by the first count
    // instead, they stalled every request for seconds.
    void import("../llm/tokens/index.js")
      .then(({ warmEncodings }) => warmEncodings())
      .catch((error: unknown) => console.error("could not load the tokenizers:", error));
    return {
      url: server.url,
      version: REVERIE_VERSION,
      databaseUrl: reverie.databaseUrl,
      chatProviders: reverie.models.configuredProviders().filter((name) => name !== "local"),
      async close() {
        await server.close();
        await reverie.close();
      },
    };
  } catch (error) {
    await reverie.close();
    throw error;
  }
}

/** A message framed so that it stands out in a log. */
function banner(text: string): string {
  const rule = "!".repeat(78);
  return `${rule}\n${text}\n${rule}`;
}

/** Hides a password in a database URL before printing it. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
