import type { Result } from "../../../domain/index.js";
import { type CpuPool, inlineCpu } from "../../workers/cpu-pool.js";
import { WEB_SEARCH_CATEGORIES } from "../builtin-schemas.js";
import { addressPolicyFromSetting } from "./address-policy.js";
import { braveSearch } from "./brave-search.js";
import { exaSearch } from "./exa-search.js";
import { DEFAULT_FETCH_LIMITS, type FetchLimits, FetchRefusedError, fetchGuarded } from "./guarded-fetch.js";
import type { WebSearchProvider, WebSearchRequest } from "./search-provider.js";
import { searxngSearch } from "./searxng-search.js";
import { tavilySearch } from "./tavily-search.js";

/** What the web tools are built from: fetch limits and the search backend (none: web_search says so). */
export interface WebToolSettings {
  fetch: FetchLimits;
  search: WebSearchProvider | undefined;
}

/** `fetch_webpage` and `web_search` as the agent loop runs them. */
export interface WebTools {
  fetchWebpage(args: Record<string, unknown>): Promise<Result<string>>;
  webSearch(args: Record<string, unknown>): Promise<Result<string>>;
}

/** The variables that choose a search provider, in the order they win. */
export const SEARCH_PROVIDER_VARIABLES = [
  "EXA_API_KEY",
  "TAVILY_API_KEY",
  "BRAVE_API_KEY",
  "SEARXNG_URL",
] as const;

const SEARCH_TIMEOUT_MS = 30_000;

/**
 * Reads the web tools' settings: `REVERIE_FETCH_ALLOW_PRIVATE`, `REVERIE_FETCH_MAX_BYTES`,
 * `REVERIE_FETCH_TIMEOUT_MS`; the search provider from the first of `EXA_API_KEY`, `TAVILY_API_KEY`,
 * `BRAVE_API_KEY`, `SEARXNG_URL` that is set (or `REVERIE_WEB_SEARCH_PROVIDER` naming one), with
 * `EXA_BASE_URL`, `TAVILY_BASE_URL`, `BRAVE_BASE_URL` overriding the public endpoints.
 */
export function webToolSettingsFromEnv(env: Record<string, string | undefined>): WebToolSettings {
  const value = (name: string) => env[name]?.trim() || undefined;
  const fetch: FetchLimits = {
    ...DEFAULT_FETCH_LIMITS,
    policy: addressPolicyFromSetting(value("REVERIE_FETCH_ALLOW_PRIVATE")),
    maxBytes: positiveInteger(env, "REVERIE_FETCH_MAX_BYTES") ?? DEFAULT_FETCH_LIMITS.maxBytes,
    timeoutMs: positiveInteger(env, "REVERIE_FETCH_TIMEOUT_MS") ?? DEFAULT_FETCH_LIMITS.timeoutMs,
  };
  const timeoutMs = SEARCH_TIMEOUT_MS;
  const candidates: Record<string, () => WebSearchProvider | undefined> = {
    exa: () => {
      const apiKey = value("EXA_API_KEY");
      return apiKey
        ? exaSearch({ apiKey, baseUrl: value("EXA_BASE_URL") ?? "https://api.exa.ai", timeoutMs })
        : undefined;
    },
    tavily: () => {
      const apiKey = value("TAVILY_API_KEY");
      return apiKey
        ? tavilySearch({ apiKey, baseUrl: value("TAVILY_BASE_URL") ?? "https://api.tavily.com", timeoutMs })
        : undefined;
    },
    brave: () => {
      const apiKey = value("BRAVE_API_KEY");
      return apiKey
        ? braveSearch({
            apiKey,
            baseUrl: value("BRAVE_BASE_URL") ?? "https://api.search.brave.com",
            timeoutMs,
          })
        : undefined;
    },
    searxng: () => {
      const baseUrl = value("SEARXNG_URL");
      return baseUrl ? searxngSearch({ baseUrl, timeoutMs }) : undefined;
    },
  };
  const chosen = value("REVERIE_WEB_SEARCH_PROVIDER")?.toLowerCase();
  if (chosen !== undefined) {
    const make = candidates[chosen];
    if (!make) {
      throw new Error(
        `REVERIE_WEB_SEARCH_PROVIDER: '${chosen}' is not a search provider; use exa, tavily, brave or searxng`,
      );
    }
    const provider = make();
    if (!provider) {
      throw new Error(`REVERIE_WEB_SEARCH_PROVIDER is ${chosen}, but its key or URL is not set`);
    }
    return { fetch, search: provider };
  }
  for (const make of Object.values(candidates)) {
    const provider = make();
    if (provider) return { fetch, search: provider };
  }
  return { fetch, search: undefined };
}

function positiveInteger(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const number = Number(text);
  if (!Number.isInteger(number) || number <= 0)
    throw new Error(`${name} must be a positive integer, not '${text}'`);
  return number;
}

/**
 * Builds the web tools over these settings. Pages are made readable in `cpu`'s worker threads (a large
 * page took the event loop for hundreds of ms), in place without it.
 */
export function createWebTools(settings: WebToolSettings, cpu: CpuPool = inlineCpu): WebTools {
  return {
    async fetchWebpage(args) {
      const url = typeof args.url === "string" ? args.url.trim() : "";
      if (!url) return { ok: false, error: "Error fetching webpage: url must be a non-empty http(s) URL" };
      try {
        const page = await fetchGuarded(url, settings.fetch);
        if (page.status < 200 || page.status >= 300) {
          return { ok: false, error: `Error fetching webpage: ${page.url} answered HTTP ${page.status}` };
        }
        const readable = await cpu.run(
          "readablePage",
          { body: page.body, contentType: page.contentType, url: page.url, status: page.status },
          { size: page.body.byteLength },
        );
        return readable.ok ? readable : { ok: false, error: `Error fetching webpage: ${readable.error}` };
      } catch (error) {
        if (error instanceof FetchRefusedError) {
          return { ok: false, error: `Error fetching webpage: ${error.message}` };
        }
        throw error;
      }
    },

    async webSearch(args) {
      const query = typeof args.query === "string" ? args.query : "";
      if (!query.trim())
        return { ok: false, error: JSON.stringify({ error: "Query cannot be empty", query }) };
      if (!settings.search) {
        return {
          ok: false,
          error: `web_search is not configured on this server: set one of ${SEARCH_PROVIDER_VARIABLES.join(", ")} (EXA_API_KEY for Exa, TAVILY_API_KEY for Tavily, BRAVE_API_KEY for Brave Search, SEARXNG_URL for a SearXNG instance) and restart it.`,
        };
      }
      const request = searchRequest(query, args);
      try {
        const results = await settings.search.search(request);
        return { ok: true, value: JSON.stringify({ query, results }, null, 2) };
      } catch (error) {
        return {
          ok: false,
          error: JSON.stringify({ query, error: `Search failed: ${(error as Error).message}` }),
        };
      }
    },
  };
}

function searchRequest(query: string, args: Record<string, unknown>): WebSearchRequest {
  const text = (key: string) =>
    typeof args[key] === "string" && args[key] !== "" ? (args[key] as string) : undefined;
  const list = (key: string) =>
    Array.isArray(args[key])
      ? (args[key] as unknown[]).filter((item): item is string => typeof item === "string")
      : undefined;
  const requested =
    typeof args.num_results === "number" && Number.isFinite(args.num_results) ? args.num_results : 10;
  const category = text("category");
  return {
    query,
    numResults: Math.min(Math.max(Math.trunc(requested), 1), 100),
    category: (WEB_SEARCH_CATEGORIES as readonly string[]).includes(category ?? "")
      ? (category as WebSearchRequest["category"])
      : undefined,
    includeText: args.include_text === true,
    includeDomains: list("include_domains"),
    excludeDomains: list("exclude_domains"),
    startPublishedDate: text("start_published_date"),
    endPublishedDate: text("end_published_date"),
    userLocation: text("user_location"),
  };
}
