import type { ProviderProbe } from "../domain/index.js";
import type { ProviderConfig } from "./provider-config.js";
import { buildProviders, type ProviderEntry } from "./providers.js";

/** Options of {@link createProviderHealth}. */
export interface ProviderHealthOptions {
  /** The provider configuration; its configured providers are probed. */
  config: ProviderConfig;
  fetch?: typeof fetch;
  /** How long one probe may take before the provider counts as unreachable (default 5 s). */
  timeoutMs?: number;
  /** How old a result may be before a read starts a new round of probes (default 30 s). */
  maxAgeMs?: number;
  now?: () => number;
}

/** Which configured providers answered a probe, from a cache refreshed in the background. */
export interface ProviderHealth {
  /** The last results, at once (never waits for a probe); starts a new round when they are stale. */
  snapshot(): ProviderProbe[];
  /** Probes every provider now; resolves when the round is over. */
  refresh(): Promise<void>;
}

/**
 * Probes each configured provider with the cheapest authenticated call its API has, `GET {base}/models`
 * (OpenAI-style servers and Ollama with a bearer key, Anthropic with `x-api-key`, Gemini with
 * `x-goog-api-key`). A 2xx is `ok`; any other answer is `error` (a wrong key answers 401); no answer
 * within the timeout is `unreachable`. In-process local embeddings need no probe.
 */
export function createProviderHealth(options: ProviderHealthOptions): ProviderHealth {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const now = options.now ?? Date.now;
  const providers = buildProviders(options.config).filter((provider) => provider.configured);
  const results = new Map<string, ProviderProbe>(
    providers.map((provider) => [provider.name, pending(provider.name)]),
  );
  let round: Promise<void> | undefined;
  let lastRound = Number.NEGATIVE_INFINITY;

  async function probe(provider: ProviderEntry): Promise<ProviderProbe> {
    const checkedAt = new Date(now()).toISOString();
    if (provider.endpoint === "local") {
      return { ...base(provider.name, checkedAt), status: "ok", detail: "runs in this process" };
    }
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = await fetchImpl(`${provider.endpoint.replace(/\/+$/, "")}/models`, {
        headers: probeHeaders(provider),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
      await response.body?.cancel();
      return {
        ...base(provider.name, checkedAt),
        status: response.ok ? "ok" : "error",
        http_status: response.status,
        latency_ms: latency(),
        detail: response.ok ? null : `answered HTTP ${response.status}`,
      };
    } catch (error) {
      return { ...base(provider.name, checkedAt), status: "unreachable", detail: reasonOf(error, timeoutMs) };
    }
  }

  function refresh(): Promise<void> {
    round ??= (async () => {
      lastRound = now();
      const probed = await Promise.all(providers.map(probe));
      for (const result of probed) results.set(result.name, result);
    })().finally(() => {
      round = undefined;
    });
    return round;
  }

  return {
    snapshot() {
      if (round === undefined && now() - lastRound >= maxAgeMs) void refresh();
      return [...results.values()];
    },
    refresh,
  };
}

function pending(name: string): ProviderProbe {
  return { ...base(name, null), status: "pending" };
}

function base(name: string, checkedAt: string | null): ProviderProbe {
  return {
    name,
    status: "pending",
    http_status: null,
    latency_ms: null,
    checked_at: checkedAt,
    detail: null,
  };
}

function probeHeaders(provider: ProviderEntry): Record<string, string> {
  const key = provider.apiKey;
  if (!key) return {};
  if (provider.type === "anthropic") return { "x-api-key": key, "anthropic-version": "2023-06-01" };
  if (provider.type === "google_ai") return { "x-goog-api-key": key };
  return { authorization: `Bearer ${key}` };
}

/** Why no answer came, without the address (health is served without a key). */
function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === "string" ? `could not connect (${code})` : "could not connect";
}
