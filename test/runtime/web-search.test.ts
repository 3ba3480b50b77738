import { afterEach, describe, expect, it } from "vitest";
import { createWebTools, webToolSettingsFromEnv } from "../../src/runtime/tools/web/web-tools.js";
import {
  type FakePage,
  type FakeSearchServer,
  type SearchProviderName,
  startFakeSearch,
} from "../fake-search/index.js";

const pages: FakePage[] = [
  {
    title: "Quokka facts",
    url: "https://wildlife.example.org/quokka",
    text: "The quokka is a small marsupial from Rottnest Island. It is famous for looking like it smiles.",
    publishedDate: "2025-03-01T00:00:00.000Z",
    author: "R. Island",
  },
  {
    title: "Quokka selfies",
    url: "https://travel.example.com/quokka-selfies",
    text: "Visitors to Rottnest take quokka selfies. Feeding them is forbidden.",
  },
  { title: "Kangaroo facts", url: "https://wildlife.example.org/kangaroo", text: "Kangaroos hop." },
];

const ENV: Record<SearchProviderName, (url: string) => Record<string, string>> = {
  exa: (url) => ({ EXA_API_KEY: "exa-key", EXA_BASE_URL: url }),
  tavily: (url) => ({ TAVILY_API_KEY: "tvly-key", TAVILY_BASE_URL: url }),
  brave: (url) => ({ BRAVE_API_KEY: "brave-key", BRAVE_BASE_URL: url }),
  searxng: (url) => ({ SEARXNG_URL: url }),
};
const KEYS: Record<SearchProviderName, string | undefined> = {
  exa: "exa-key",
  tavily: "tvly-key",
  brave: "brave-key",
  searxng: undefined,
};

interface SearchOutput {
  query: string;
  results: Array<{
    title: string | null;
    url: string;
    published_date: string | null;
    author: string | null;
    text?: string;
    highlights?: string[];
    summary?: string;
  }>;
}

describe("web_search", () => {
  let fake: FakeSearchServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it("exists without a provider and answers a tool error naming the variables to set", async () => {
    const tools = createWebTools(webToolSettingsFromEnv({}));
    const result = await tools.webSearch({ query: "quokka" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const variable of ["EXA_API_KEY", "TAVILY_API_KEY", "BRAVE_API_KEY", "SEARXNG_URL"]) {
      expect(result.error).toContain(variable);
    }
  });

  it.each(["exa", "tavily", "brave", "searxng"] as const)(
    "searches %s in its wire format and returns Letta's result shape",
    async (provider) => {
      fake = await startFakeSearch({ provider, apiKey: KEYS[provider], pages });
      const tools = createWebTools(webToolSettingsFromEnv(ENV[provider](fake.url)));
      const result = await tools.webSearch({ query: "quokka rottnest", num_results: 5 });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      const output = JSON.parse(result.value) as SearchOutput;
      expect(output.query).toBe("quokka rottnest");
      expect(output.results.map((item) => item.url)).toEqual([
        "https://wildlife.example.org/quokka",
        "https://travel.example.com/quokka-selfies",
      ]);
      for (const item of output.results) {
        expect(Object.keys(item).slice(0, 4)).toEqual(["title", "url", "published_date", "author"]);
        expect(item.highlights?.length).toBeGreaterThan(0);
        expect(item.highlights?.join(" ")).not.toContain("<strong>");
        expect(item.text).toBeUndefined();
      }
      expect(output.results[0]?.title).toBe("Quokka facts");
      // Letta pretty-prints the JSON for the model.
      expect(result.value).toContain('\n  "results": [');
      expect(fake.requests).toHaveLength(1);
    },
  );

  it("sends Exa Letta's request: numResults, auto type, highlights, summary and filters in camelCase", async () => {
    fake = await startFakeSearch({ provider: "exa", apiKey: "exa-key", pages });
    const tools = createWebTools(webToolSettingsFromEnv(ENV.exa(fake.url)));
    const result = await tools.webSearch({
      query: "quokka",
      num_results: 500,
      category: "news",
      include_text: true,
      include_domains: ["wildlife.example.org"],
      start_published_date: "2025-01-01",
      user_location: "AU",
    });
    expect(result.ok).toBe(true);
    expect(fake.requests[0]?.body).toEqual({
      query: "quokka",
      numResults: 100,
      type: "auto",
      category: "news",
      includeDomains: ["wildlife.example.org"],
      startPublishedDate: "2025-01-01",
      userLocation: "AU",
      contents: {
        text: true,
        highlights: { numSentences: 2, highlightsPerUrl: 3, query: "quokka" },
        summary: { query: "Summarize the key information from this content related to: quokka" },
      },
    });
    const output = JSON.parse(result.ok ? result.value : "{}") as SearchOutput;
    expect(output.results[0]).toMatchObject({
      published_date: "2025-03-01T00:00:00.000Z",
      author: "R. Island",
      text: pages[0]?.text,
      summary: expect.stringContaining("Summary:"),
    });
  });

  it("sends Tavily a bearer key, a capped max_results, dates and raw content", async () => {
    fake = await startFakeSearch({ provider: "tavily", apiKey: "tvly-key", pages });
    const tools = createWebTools(webToolSettingsFromEnv(ENV.tavily(fake.url)));
    const result = await tools.webSearch({
      query: "quokka",
      num_results: 50,
      include_text: true,
      exclude_domains: ["travel.example.com"],
      end_published_date: "2025-06-30T12:00:00Z",
    });
    expect(result.ok).toBe(true);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer tvly-key");
    expect(fake.requests[0]?.body).toMatchObject({
      query: "quokka",
      max_results: 20,
      topic: "general",
      include_raw_content: "markdown",
      exclude_domains: ["travel.example.com"],
      end_date: "2025-06-30",
    });
    const output = JSON.parse(result.ok ? result.value : "{}") as SearchOutput;
    expect(output.results[0]?.text).toBe(pages[0]?.text);
  });

  it("puts domain filters into Brave's and SearXNG's query and filters what comes back", async () => {
    fake = await startFakeSearch({ provider: "brave", apiKey: "brave-key", pages });
    let tools = createWebTools(webToolSettingsFromEnv(ENV.brave(fake.url)));
    let result = await tools.webSearch({
      query: "quokka",
      include_domains: ["wildlife.example.org"],
      user_location: "au",
    });
    expect(fake.requests[0]?.query).toMatchObject({
      q: "quokka site:wildlife.example.org",
      country: "AU",
      count: "10",
    });
    expect(fake.requests[0]?.headers["x-subscription-token"]).toBe("brave-key");
    let output = JSON.parse(result.ok ? result.value : "{}") as SearchOutput;
    expect(output.results.map((item) => item.url)).toEqual(["https://wildlife.example.org/quokka"]);
    await fake.close();

    fake = await startFakeSearch({ provider: "searxng", pages });
    tools = createWebTools(webToolSettingsFromEnv(ENV.searxng(fake.url)));
    result = await tools.webSearch({
      query: "quokka",
      exclude_domains: ["wildlife.example.org"],
      category: "news",
    });
    expect(fake.requests[0]?.query).toMatchObject({
      q: "quokka -site:wildlife.example.org",
      format: "json",
      categories: "news",
    });
    output = JSON.parse(result.ok ? result.value : "{}") as SearchOutput;
    expect(output.results.map((item) => item.url)).toEqual(["https://travel.example.com/quokka-selfies"]);
  });

  it("turns a provider's refusal into Letta's 'Search failed' error carrying the provider's message", async () => {
    fake = await startFakeSearch({ provider: "brave", apiKey: "right-key", pages });
    const tools = createWebTools(
      webToolSettingsFromEnv({ BRAVE_API_KEY: "wrong-key", BRAVE_BASE_URL: fake.url }),
    );
    const result = await tools.webSearch({ query: "quokka" });
    expect(result.ok).toBe(false);
    const error = JSON.parse(result.ok ? "{}" : result.error) as { query: string; error: string };
    expect(error.query).toBe("quokka");
    expect(error.error).toBe(
      "Search failed: Brave answered 422: The provided subscription token is invalid.",
    );
  });

  it("answers an empty query without calling the provider", async () => {
    fake = await startFakeSearch({ provider: "exa", apiKey: "exa-key", pages });
    const tools = createWebTools(webToolSettingsFromEnv(ENV.exa(fake.url)));
    const result = await tools.webSearch({ query: "   " });
    expect(result).toEqual({
      ok: false,
      error: JSON.stringify({ error: "Query cannot be empty", query: "   " }),
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("reports an unreachable provider as a failed search", async () => {
    const tools = createWebTools(webToolSettingsFromEnv({ SEARXNG_URL: "http://127.0.0.1:9" }));
    const result = await tools.webSearch({ query: "quokka" });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error).toContain("Search failed: SearXNG could not be reached");
  });

  it("chooses the provider by the first variable set, or by REVERIE_WEB_SEARCH_PROVIDER", () => {
    const all = { EXA_API_KEY: "e", TAVILY_API_KEY: "t", BRAVE_API_KEY: "b", SEARXNG_URL: "http://s" };
    expect(webToolSettingsFromEnv(all).search?.name).toBe("exa");
    expect(webToolSettingsFromEnv({ ...all, EXA_API_KEY: "" }).search?.name).toBe("tavily");
    expect(webToolSettingsFromEnv({ BRAVE_API_KEY: "b", SEARXNG_URL: "http://s" }).search?.name).toBe(
      "brave",
    );
    expect(webToolSettingsFromEnv({ ...all, REVERIE_WEB_SEARCH_PROVIDER: "SearXNG" }).search?.name).toBe(
      "searxng",
    );
    expect(() => webToolSettingsFromEnv({ REVERIE_WEB_SEARCH_PROVIDER: "bing" })).toThrow(
      "use exa, tavily, brave or searxng",
    );
    expect(() => webToolSettingsFromEnv({ REVERIE_WEB_SEARCH_PROVIDER: "tavily" })).toThrow("not set");
    expect(() => webToolSettingsFromEnv({ REVERIE_FETCH_MAX_BYTES: "-5" })).toThrow("positive integer");
  });
});
