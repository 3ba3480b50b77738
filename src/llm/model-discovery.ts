/** Options of {@link createModelDiscovery}. */
export interface ModelDiscoveryOptions {
  fetch?: typeof fetch;
  /** How long one `GET /models` may take (default 2 s): a dead local server must not stall a request. */
  timeoutMs?: number;
  /** How long a successful listing is reused (default 5 min). */
  ttlMs?: number;
  /** How long a failure is remembered before asking again (default 15 s). */
  failureTtlMs?: number;
  now?: () => number;
}

/** A model an endpoint lists, with its context length when the listing says (vLLM's `max_model_len`). */
export interface DiscoveredModel {
  id: string;
  contextWindow?: number | undefined;
}

/** The models an OpenAI-style endpoint serves, or `undefined` when it could not be asked. */
export interface ModelDiscovery {
  /** `fetch` is how this endpoint is reached (default: the discovery's own). */
  list(endpoint: {
    baseUrl: string;
    apiKey?: string | undefined;
    fetch?: typeof fetch | undefined;
  }): Promise<DiscoveredModel[] | undefined>;
}

interface CacheEntry {
  expires: number;
  ids: Promise<DiscoveredModel[] | undefined>;
}

/** Fields servers use for a model's context length in `/models` (vLLM, OpenRouter, Groq, LM Studio). */
const CONTEXT_FIELDS = ["max_model_len", "context_length", "context_window", "max_context_length"] as const;

/** The context length a `/models` entry states, if any. */
export function listedContextWindow(entry: Record<string, unknown>): number | undefined {
  for (const field of CONTEXT_FIELDS) {
    const value = entry[field];
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

/** Lists models through `GET {baseUrl}/models`, lazily, with a short timeout and a per-URL cache. */
export function createModelDiscovery(options: ModelDiscoveryOptions = {}): ModelDiscovery {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 15_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();

  async function fetchIds(
    baseUrl: string,
    apiKey: string | undefined,
    endpointFetch: typeof fetch,
  ): Promise<DiscoveredModel[] | undefined> {
    try {
      const response = await endpointFetch(`${baseUrl.replace(/\/+$/, "")}/models`, {
        headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) return undefined;
      const body = (await response.json()) as { data?: unknown; models?: unknown };
      const list = Array.isArray(body.data)
        ? body.data
        : Array.isArray(body.models)
          ? body.models
          : undefined;
      if (list === undefined) return undefined;
      return list.flatMap((entry: unknown) => {
        if (entry === null || typeof entry !== "object") return [];
        const fields = entry as Record<string, unknown>;
        const id = fields.id ?? fields.name;
        if (typeof id !== "string" || id === "") return [];
        return [{ id, contextWindow: listedContextWindow(fields) }];
      });
    } catch {
      return undefined;
    }
  }

  return {
    list({ baseUrl, apiKey, fetch: endpointFetch }) {
      const key = `${baseUrl}\u0000${apiKey ?? ""}`;
      const cached = cache.get(key);
      if (cached && cached.expires > now()) return cached.ids;
      const entry: CacheEntry = {
        expires: Number.POSITIVE_INFINITY,
        ids: fetchIds(baseUrl, apiKey, endpointFetch ?? fetchImpl),
      };
      cache.set(key, entry);
      void entry.ids.then((ids) => {
        entry.expires = now() + (ids === undefined ? failureTtlMs : ttlMs);
      });
      return entry.ids;
    },
  };
}
