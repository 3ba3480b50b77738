import { type ProviderCheckResult, ReverieError } from "../../domain/index.js";
import { ollamaApiUrl } from "../../llm/providers.js";
import { baseUrlOf } from "./provider-kinds.js";

const CHECK_TIMEOUT_MS = 15_000;

/** A provider to try: its type, key and (optional) base URL. */
export interface ProviderProbe {
  provider_type: string;
  api_key: string | null;
  base_url: string | null;
}

/**
 * Asks the provider for its model list with the key, as Letta's check does: a listing means the key
 * works. A refusal or an unreachable server is a 400 whose detail says which, never the key itself.
 */
export async function checkProvider(
  probe: ProviderProbe,
  fetchImpl: typeof fetch = fetch,
): Promise<ProviderCheckResult> {
  const { url, headers } = modelListRequest(probe);
  let response: Response;
  try {
    response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  } catch (cause) {
    throw new ReverieError(
      "invalid_argument",
      `Could not reach the provider at ${redact(url)}: ${(cause as Error).message}; check base_url`,
      { cause },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    const refused = response.status === 401 || response.status === 403;
    throw new ReverieError(
      "invalid_argument",
      refused
        ? `The provider refused the key (HTTP ${response.status}): check api_key`
        : `The provider answered HTTP ${response.status} to ${redact(url)}: ${text.slice(0, 200)}`,
    );
  }
  let count = 0;
  try {
    const body = JSON.parse(text) as { data?: unknown[]; models?: unknown[] };
    count = (body.data ?? body.models ?? []).length;
  } catch {
    throw new ReverieError(
      "invalid_argument",
      `The provider at ${redact(url)} did not answer with JSON: check base_url`,
    );
  }
  return { status: "ok", message: `The key works: the provider lists ${count} model(s)`, models: count };
}

/** The URL a provider's model list is read from (its base URL, else the type's default). */
export function modelListUrl(probe: ProviderProbe): string {
  return modelListRequest(probe).url;
}

function modelListRequest(probe: ProviderProbe): { url: string; headers: Record<string, string> } {
  const key = probe.api_key ?? "";
  const base = (url: string) => url.replace(/\/+$/, "");
  switch (probe.provider_type) {
    case "anthropic":
      return {
        url: `${base(probe.base_url ?? "https://api.anthropic.com/v1")}/models`,
        headers: { "x-api-key": key, "anthropic-version": "2023-06-01" },
      };
    case "google_ai":
      return {
        url: `${base(probe.base_url ?? "https://generativelanguage.googleapis.com/v1beta")}/models`,
        headers: { "x-goog-api-key": key },
      };
    case "ollama":
      return { url: `${ollamaApiUrl(probe.base_url ?? "http://localhost:11434")}/models`, headers: {} };
    default: {
      const url = baseUrlOf(probe);
      if (url === undefined) {
        throw new ReverieError(
          "validation",
          `Invalid body: base_url: a ${probe.provider_type} provider needs one`,
        );
      }
      return { url: `${base(url)}/models`, headers: key ? { authorization: `Bearer ${key}` } : {} };
    }
  }
}

/** A URL as shown in an error: no query string (Google-style keys travel there). */
function redact(url: string): string {
  return url.split("?")[0] ?? url;
}
