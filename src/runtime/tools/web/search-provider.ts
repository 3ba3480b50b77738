import type { WEB_SEARCH_CATEGORIES } from "../builtin-schemas.js";

/** A `web_search` call, provider-neutral (Letta's arguments, defaults applied). */
export interface WebSearchRequest {
  query: string;
  /** 1-100. */
  numResults: number;
  category?: (typeof WEB_SEARCH_CATEGORIES)[number] | undefined;
  includeText: boolean;
  includeDomains?: string[] | undefined;
  excludeDomains?: string[] | undefined;
  startPublishedDate?: string | undefined;
  endPublishedDate?: string | undefined;
  /** Two-letter country code. */
  userLocation?: string | undefined;
}

/** One result as Letta hands it to the model (keys in Letta's snake_case). */
export interface WebSearchResult {
  title: string | null;
  url: string;
  published_date: string | null;
  author: string | null;
  text?: string;
  highlights?: string[];
  summary?: string;
}

/** The port every search backend implements. */
export interface WebSearchProvider {
  /** `exa`, `tavily`, `brave` or `searxng`. */
  readonly name: string;
  search(request: WebSearchRequest): Promise<WebSearchResult[]>;
}

/** A provider's HTTP answer that was not a success. */
export class SearchProviderError extends Error {
  override name = "SearchProviderError";
}

/** Sends one request to a provider and returns its JSON, failing with the provider's own message. */
export async function providerJson(
  provider: string,
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: unknown },
  timeoutMs: number,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: {
        accept: "application/json",
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === "TimeoutError"
        ? `no answer within ${timeoutMs / 1000} s`
        : (error as Error).message;
    throw new SearchProviderError(`${provider} could not be reached: ${reason}`);
  }
  const text = await response.text();
  if (!response.ok) {
    throw new SearchProviderError(`${provider} answered ${response.status}: ${providerMessage(text)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SearchProviderError(`${provider} answered with something that is not JSON`);
  }
}

/** The error message in a provider's error body, or the start of the body. */
function providerMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const candidate = body.error ?? body.message ?? body.detail;
    if (typeof candidate === "string") return candidate;
    if (candidate && typeof candidate === "object") {
      const nested =
        (candidate as Record<string, unknown>).detail ?? (candidate as Record<string, unknown>).message;
      if (typeof nested === "string") return nested;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 300) || "(empty body)";
}

/** A string field of a provider's JSON object, or null. */
export function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === "string" && value !== "" ? value : null;
}

/** The array under `key` of a provider answer, each item an object (anything else is dropped). */
export function objectsAt(value: unknown, ...path: string[]): Array<Record<string, unknown>> {
  let current: unknown = value;
  for (const key of path) {
    current = current && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  }
  return Array.isArray(current)
    ? current.filter((item): item is Record<string, unknown> => !!item && typeof item === "object")
    : [];
}

/** `site:` operators for engines that take domain filters only in the query (Brave, SearXNG). */
export function queryWithSites(request: WebSearchRequest): string {
  const include = request.includeDomains ?? [];
  const exclude = request.excludeDomains ?? [];
  const parts = [request.query];
  if (include.length === 1) parts.push(`site:${include[0]}`);
  else if (include.length > 1) parts.push(`(${include.map((domain) => `site:${domain}`).join(" OR ")})`);
  for (const domain of exclude) parts.push(`-site:${domain}`);
  return parts.join(" ");
}

/** Drops results outside the domain filters (for providers that only take them as hints). */
export function withinDomains(results: WebSearchResult[], request: WebSearchRequest): WebSearchResult[] {
  const hostOf = (url: string) => {
    try {
      return new URL(url).hostname.toLowerCase();
    } catch {
      return "";
    }
  };
  const matches = (host: string, domain: string) => {
    const wanted = domain.toLowerCase().replace(/^www\./, "");
    return host === wanted || host.endsWith(`.${wanted}`) || host === `www.${wanted}`;
  };
  return results.filter((result) => {
    const host = hostOf(result.url);
    if (request.includeDomains?.length && !request.includeDomains.some((domain) => matches(host, domain))) {
      return false;
    }
    return !request.excludeDomains?.some((domain) => matches(host, domain));
  });
}
