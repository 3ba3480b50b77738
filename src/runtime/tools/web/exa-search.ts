import {
  objectsAt,
  providerJson,
  stringField,
  type WebSearchProvider,
  type WebSearchRequest,
  type WebSearchResult,
} from "./search-provider.js";

/** Exa (`POST /search` with contents), the provider Letta's own `web_search` used. */
export function exaSearch(options: {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}): WebSearchProvider {
  return {
    name: "exa",
    async search(request: WebSearchRequest): Promise<WebSearchResult[]> {
      const body: Record<string, unknown> = {
        query: request.query,
        numResults: request.numResults,
        type: "auto",
        contents: {
          text: request.includeText,
          highlights: { numSentences: 2, highlightsPerUrl: 3, query: request.query },
          summary: { query: `Summarize the key information from this content related to: ${request.query}` },
        },
      };
      if (request.category) body.category = request.category;
      if (request.includeDomains?.length) body.includeDomains = request.includeDomains;
      if (request.excludeDomains?.length) body.excludeDomains = request.excludeDomains;
      if (request.startPublishedDate) body.startPublishedDate = request.startPublishedDate;
      if (request.endPublishedDate) body.endPublishedDate = request.endPublishedDate;
      if (request.userLocation) body.userLocation = request.userLocation;
      const answer = await providerJson(
        "Exa",
        `${options.baseUrl.replace(/\/+$/, "")}/search`,
        { method: "POST", headers: { "x-api-key": options.apiKey }, body },
        options.timeoutMs,
      );
      return objectsAt(answer, "results").flatMap((item) => {
        const url = stringField(item, "url");
        if (!url) return [];
        const result: WebSearchResult = {
          title: stringField(item, "title"),
          url,
          published_date: stringField(item, "publishedDate"),
          author: stringField(item, "author"),
        };
        const text = stringField(item, "text");
        if (request.includeText && text) result.text = text;
        const highlights = Array.isArray(item.highlights)
          ? item.highlights.filter((highlight): highlight is string => typeof highlight === "string")
          : [];
        if (highlights.length > 0) result.highlights = highlights;
        const summary = stringField(item, "summary");
        if (summary) result.summary = summary;
        return [result];
      });
    },
  };
}
