import {
  objectsAt,
  providerJson,
  stringField,
  type WebSearchProvider,
  type WebSearchRequest,
  type WebSearchResult,
} from "./search-provider.js";

/** Country names Tavily's `country` takes, for the two-letter codes most asked for. */
const TAVILY_COUNTRIES: Record<string, string> = {
  US: "united states",
  GB: "united kingdom",
  UK: "united kingdom",
  CA: "canada",
  AU: "australia",
  DE: "germany",
  FR: "france",
  ES: "spain",
  IT: "italy",
  NL: "netherlands",
  IN: "india",
  JP: "japan",
  CN: "china",
  BR: "brazil",
  MX: "mexico",
};

/** Tavily (`POST /search`, bearer key). */
export function tavilySearch(options: {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}): WebSearchProvider {
  return {
    name: "tavily",
    async search(request: WebSearchRequest): Promise<WebSearchResult[]> {
      const topic =
        request.category === "news"
          ? "news"
          : request.category === "financial report"
            ? "finance"
            : "general";
      const body: Record<string, unknown> = {
        query: request.query,
        // Tavily returns at most 20 results per request.
        max_results: Math.min(request.numResults, 20),
        topic,
        search_depth: "basic",
        include_answer: false,
        include_raw_content: request.includeText ? "markdown" : false,
      };
      if (request.includeDomains?.length) body.include_domains = request.includeDomains;
      if (request.excludeDomains?.length) body.exclude_domains = request.excludeDomains;
      if (request.startPublishedDate) body.start_date = request.startPublishedDate.slice(0, 10);
      if (request.endPublishedDate) body.end_date = request.endPublishedDate.slice(0, 10);
      const country = request.userLocation && TAVILY_COUNTRIES[request.userLocation.toUpperCase()];
      if (country && topic === "general") body.country = country;
      const answer = await providerJson(
        "Tavily",
        `${options.baseUrl.replace(/\/+$/, "")}/search`,
        { method: "POST", headers: { authorization: `Bearer ${options.apiKey}` }, body },
        options.timeoutMs,
      );
      return objectsAt(answer, "results").flatMap((item) => {
        const url = stringField(item, "url");
        if (!url) return [];
        const result: WebSearchResult = {
          title: stringField(item, "title"),
          url,
          published_date: stringField(item, "published_date"),
          author: null,
        };
        const raw = stringField(item, "raw_content");
        if (request.includeText && raw) result.text = raw;
        const content = stringField(item, "content");
        if (content) result.highlights = [content];
        return [result];
      });
    },
  };
}
