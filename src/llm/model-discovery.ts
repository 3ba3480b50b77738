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

/** The model ids an OpenAI-style endpoint serves, or `undefined` when it could not be asked. */
export interface ModelDiscovery {
  list(endpoint: { baseUrl: string; apiKey?: string | undefined }): Promise<string[] | undefined>;
}

interface CacheEntry {
  expires: number;
  ids: Promise<string[] | undefined>;
}

/** Lists models through `GET {baseUrl}/models`, lazily, with a short timeout and a per-URL cache. */
export function createModelDiscovery(options: ModelDiscoveryOptions = {}): ModelDiscovery {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const failureTtlMs = options.failureTtlMs ?? 15_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();

  async function fetchIds(baseUrl: string, apiKey: string | undefined): Promise<string[] | undefined> {
    try {
      const response = await fetchImpl(`${baseUrl.replace(/\/+$/, "")}/models`, {
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
      return list
        .map((entry) => (entry as { id?: unknown; name?: unknown }).id ?? (entry as { name?: unknown }).name)
        .filter((id): id is string => typeof id === "string" && id !== "");
    } catch {
      return undefined;
    }
  }

  return {
    list({ baseUrl, apiKey }) {
      const key = `${baseUrl}\u0000${apiKey ?? ""}`;
      const cached = cache.get(key);
      if (cached && cached.expires > now()) return cached.ids;
      const entry: CacheEntry = { expires: Number.POSITIVE_INFINITY, ids: fetchIds(baseUrl, apiKey) };
      cache.set(key, entry);
      void entry.ids.then((ids) => {
        entry.expires = now() + (ids === undefined ? failureTtlMs : ttlMs);
      });
      return entry.ids;
    },
  };
}
