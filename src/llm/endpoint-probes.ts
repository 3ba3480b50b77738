/** How a probed endpoint is reached. */
export interface ProbedEndpoint {
  /** The OpenAI-style base URL (usually ending in `/v1`). */
  baseUrl: string;
  apiKey?: string | undefined;
  /** How the endpoint is reached (default: the probes' own fetch). */
  fetch?: typeof fetch | undefined;
  /** `ollama` is asked through `/api/show` first; `compatible` servers through `/props`, then `/api/show`. */
  kind: "ollama" | "compatible";
}

/** Asks servers what a name table would only guess: embedding sizes and chat context lengths. */
export interface EndpointProbes {
  /** The size of one embedding the endpoint returns for `model`, or undefined when it did not answer. */
  embeddingDim(endpoint: Omit<ProbedEndpoint, "kind">, model: string): Promise<number | undefined>;
  /** The context length the server runs `model` with (llama.cpp `/props`, Ollama `/api/show`). */
  contextWindow(endpoint: ProbedEndpoint, model: string): Promise<number | undefined>;
}

export interface EndpointProbeOptions {
  fetch?: typeof fetch;
  /** How long one probe may take (default 3 s). */
  timeoutMs?: number;
  /** How long a failed probe is remembered before asking again (default 15 s); answers are kept. */
  failureTtlMs?: number;
  now?: () => number;
}

/** The server's root: the OpenAI-style base URL without its trailing `/v1`. */
export function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/**
 * Probes with a short timeout, cached per endpoint and model: a size or a context length does not change
 * while a server runs, so an answer is kept for the process; a failure is retried after a while.
 */
export function createEndpointProbes(options: EndpointProbeOptions = {}): EndpointProbes {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const failureTtlMs = options.failureTtlMs ?? 15_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { expires: number; value: Promise<number | undefined> }>();

  const cached = (key: string, probe: () => Promise<number | undefined>) => {
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.value;
    const entry = { expires: Number.POSITIVE_INFINITY, value: probe().catch(() => undefined) };
    cache.set(key, entry);
    void entry.value.then((value) => {
      if (value === undefined) entry.expires = now() + failureTtlMs;
    });
    return entry.value;
  };

  const request = async (
    url: string,
    endpoint: Omit<ProbedEndpoint, "kind">,
    body?: unknown,
  ): Promise<unknown> => {
    const apiKey = endpoint.apiKey;
    const response = await (endpoint.fetch ?? fetchImpl)(url, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return response.json();
  };

  const llamaCppContext = async (endpoint: ProbedEndpoint): Promise<number | undefined> => {
    const props = (await request(`${serverRoot(endpoint.baseUrl)}/props`, endpoint)) as
      | { default_generation_settings?: { n_ctx?: unknown }; n_ctx?: unknown }
      | undefined;
    return positiveInteger(props?.default_generation_settings?.n_ctx ?? props?.n_ctx);
  };

  const ollamaContext = async (endpoint: ProbedEndpoint, model: string): Promise<number | undefined> => {
    const shown = (await request(`${serverRoot(endpoint.baseUrl)}/api/show`, endpoint, { model })) as
      | { parameters?: unknown; model_info?: Record<string, unknown> }
      | undefined;
    if (shown === undefined) return undefined;
    // A Modelfile's `num_ctx` is what the server runs with; else the model's own trained length.
    const numCtx =
      typeof shown.parameters === "string" ? /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(shown.parameters) : null;
    if (numCtx?.[1]) return positiveInteger(Number(numCtx[1]));
    for (const [key, value] of Object.entries(shown.model_info ?? {})) {
      if (key.endsWith(".context_length")) return positiveInteger(value);
    }
    return undefined;
  };

  return {
    embeddingDim(endpoint, model) {
      return cached(`dim\u0000${endpoint.baseUrl}\u0000${model}`, async () => {
        const body = (await request(`${endpoint.baseUrl.replace(/\/+$/, "")}/embeddings`, endpoint, {
          model,
          input: ["dimension probe"],
        })) as { data?: Array<{ embedding?: unknown }> } | undefined;
        const embedding = body?.data?.[0]?.embedding;
        return Array.isArray(embedding) && embedding.length > 0 ? embedding.length : undefined;
      });
    },
    contextWindow(endpoint, model) {
      if (endpoint.kind === "ollama") {
        return cached(`ollama\u0000${endpoint.baseUrl}\u0000${model}`, () => ollamaContext(endpoint, model));
      }
      // llama.cpp serves one model per server: its /props answers for every id.
      return cached(`ctx\u0000${endpoint.baseUrl}\u0000${model}`, async () => {
        const fromProps = await cached(`props\u0000${endpoint.baseUrl}`, () => llamaCppContext(endpoint));
        return fromProps ?? (await ollamaContext(endpoint, model));
      });
    },
  };
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}
