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

/** A SearXNG instance (`GET /search?format=json`; JSON output must be enabled in its settings). */
export function searxngSearch(options: { baseUrl: string; timeoutMs: number }): WebSearchProvider {
  return {
    name: "searxng",
    async search(request: WebSearchRequest): Promise<WebSearchResult[]> {
      const params = new URLSearchParams({ q: queryWithSites(request), format: "json" });
      if (request.category === "news") params.set("categories", "news");
      else if (request.category === "research paper") params.set("categories", "science");
      else if (request.category === "github") params.set("categories", "it");
      else params.set("categories", "general");
      const answer = await providerJson(
        "SearXNG",
        `${options.baseUrl.replace(/\/+$/, "")}/search?${params}`,
        { method: "GET", headers: {} },
        options.timeoutMs,
      );
      const results = objectsAt(answer, "results").flatMap((item) => {
        const url = stringField(item, "url");
        if (!url) return [];
        const result: WebSearchResult = {
          title: stringField(item, "title"),
          url,
          published_date: stringField(item, "publishedDate"),
          author: stringField(item, "author"),
        };
        const content = stringField(item, "content");
        if (content) result.highlights = [content];
        return [result];
      });
      return withinDomains(results, request).slice(0, request.numResults);
    },
  };
}
