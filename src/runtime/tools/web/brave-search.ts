import {
  objectsAt,
  providerJson,
  queryWithSites,
  stringField,
  type WebSearchProvider,
  type WebSearchRequest,
  type WebSearchResult,
  withinDomains,
} from "./search-provider.js";

/** Brave Search (`GET /res/v1/web/search`, `X-Subscription-Token`). */
export function braveSearch(options: {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}): WebSearchProvider {
  return {
    name: "brave",
    async search(request: WebSearchRequest): Promise<WebSearchResult[]> {
      const params = new URLSearchParams({
        q: queryWithSites(request),
        // Brave returns at most 20 web results per request.
        count: String(Math.min(request.numResults, 20)),
        extra_snippets: "true",
      });
      if (request.userLocation) params.set("country", request.userLocation.toUpperCase());
      const start = request.startPublishedDate?.slice(0, 10);
      const end = request.endPublishedDate?.slice(0, 10);
      if (start || end)
        params.set("freshness", `${start ?? "1970-01-01"}to${end ?? new Date().toISOString().slice(0, 10)}`);
      const answer = await providerJson(
        "Brave",
        `${options.baseUrl.replace(/\/+$/, "")}/res/v1/web/search?${params}`,
        { method: "GET", headers: { "x-subscription-token": options.apiKey } },
        options.timeoutMs,
      );
      const results = objectsAt(answer, "web", "results").flatMap((item) => {
        const url = stringField(item, "url");
        if (!url) return [];
        const snippets = [
          stringField(item, "description"),
          ...(Array.isArray(item.extra_snippets) ? item.extra_snippets : []),
        ].filter((snippet): snippet is string => typeof snippet === "string" && snippet !== "");
        const profile =
          item.profile && typeof item.profile === "object" ? (item.profile as Record<string, unknown>) : {};
        const result: WebSearchResult = {
          title: stringField(item, "title"),
          url,
          published_date: stringField(item, "page_age") ?? stringField(item, "age"),
          author: stringField(profile, "name"),
        };
        if (snippets.length > 0) result.highlights = snippets.map(stripTags);
        return [result];
      });
      return withinDomains(results, request).slice(0, request.numResults);
    },
  };
}

/** Brave marks the query's words with <strong>; the model gets plain text. */
function stripTags(text: string): string {
  return text.replace(/<\/?strong>/g, "");
}
