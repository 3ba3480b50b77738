import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The search providers `web_search` speaks to. */
export type SearchProviderName = "exa" | "tavily" | "brave" | "searxng";

/** A page the fake index knows; every provider renders it in its own wire format. */
export interface FakePage {
  title: string;
  url: string;
  text: string;
  publishedDate?: string;
  author?: string;
}

/** A request as the fake provider received it. */
export interface RecordedSearch {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running fake search provider on 127.0.0.1. */
export interface FakeSearchServer {
  /** The base URL to configure (`EXA_BASE_URL`, `TAVILY_BASE_URL`, `BRAVE_BASE_URL` or `SEARXNG_URL`). */
  url: string;
  requests: RecordedSearch[];
  close(): Promise<void>;
}

/**
 * Starts a fake of one provider's search endpoint, checking its auth the way the real one does and
 * answering in its real JSON shape. Pages whose title or text share a word with the query match.
 */
export async function startFakeSearch(options: {
  provider: SearchProviderName;
  apiKey?: string;
  pages: readonly FakePage[];
}): Promise<FakeSearchServer> {
  const requests: RecordedSearch[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const url = new URL(request.url ?? "/", "http://fake");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const recorded: RecordedSearch = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body,
    };
    requests.push(recorded);
    const answer = route(options, recorded);
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function matching(pages: readonly FakePage[], query: string): FakePage[] {
  const words = query
    .toLowerCase()
    .split(/\W+/)
    .filter((word) => word.length > 2 && word !== "site");
  return pages.filter((page) =>
    words.some((word) => `${page.title} ${page.text}`.toLowerCase().includes(word)),
  );
}

function route(
  options: { provider: SearchProviderName; apiKey?: string; pages: readonly FakePage[] },
  request: RecordedSearch,
): { status: number; body: unknown } {
  const { provider, apiKey, pages } = options;
  switch (provider) {
    case "exa": {
      if (request.method !== "POST" || request.path !== "/search")
        return { status: 404, body: { error: "Not found" } };
      if (request.headers["x-api-key"] !== apiKey) {
        return { status: 401, body: { requestId: "r1", error: "Invalid API key", tag: "INVALID_API_KEY" } };
      }
      const body = request.body as { query?: string; numResults?: number; contents?: { text?: boolean } };
      if (typeof body?.query !== "string") return { status: 400, body: { error: "query is required" } };
      const found = matching(pages, body.query).slice(0, body.numResults ?? 10);
      return {
        status: 200,
        body: {
          requestId: "req-fake",
          resolvedSearchType: "neural",
          results: found.map((page, index) => ({
            id: page.url,
            title: page.title,
            url: page.url,
            publishedDate: page.publishedDate ?? null,
            author: page.author ?? null,
            score: 1 - index / 10,
            ...(body.contents?.text ? { text: page.text } : {}),
            highlights: [page.text.split(". ")[0] ?? page.text],
            highlightScores: [0.9],
            summary: `Summary: ${page.text.slice(0, 60)}`,
          })),
          costDollars: { total: 0.005 },
        },
      };
    }
    case "tavily": {
      if (request.method !== "POST" || request.path !== "/search")
        return { status: 404, body: { detail: "Not Found" } };
      if (request.headers.authorization !== `Bearer ${apiKey}`) {
        return { status: 401, body: { detail: { error: "Unauthorized: missing or invalid API key." } } };
      }
      const body = request.body as { query?: string; max_results?: number; include_raw_content?: unknown };
      if (typeof body?.query !== "string")
        return { status: 400, body: { detail: { error: "query is required" } } };
      const found = matching(pages, body.query).slice(0, body.max_results ?? 5);
      return {
        status: 200,
        body: {
          query: body.query,
          follow_up_questions: null,
          answer: null,
          images: [],
          results: found.map((page, index) => ({
            title: page.title,
            url: page.url,
            content: page.text.slice(0, 120),
            score: 0.9 - index / 10,
            raw_content: body.include_raw_content ? page.text : null,
          })),
          response_time: 0.42,
        },
      };
    }
    case "brave": {
      if (request.method !== "GET" || request.path !== "/res/v1/web/search") {
        return {
          status: 404,
          body: { type: "ErrorResponse", error: { code: "NOT_FOUND", detail: "Not found" } },
        };
      }
      if (request.headers["x-subscription-token"] !== apiKey) {
        return {
          status: 422,
          body: {
            type: "ErrorResponse",
            error: {
              id: "e1",
              status: 422,
              code: "SUBSCRIPTION_TOKEN_INVALID",
              detail: "The provided subscription token is invalid.",
            },
          },
        };
      }
      const query = request.query.q ?? "";
      const found = matching(pages, query).slice(0, Number(request.query.count ?? 20));
      return {
        status: 200,
        body: {
          type: "search",
          query: { original: query, more_results_available: false },
          mixed: { type: "mixed", main: [] },
          web: {
            type: "search",
            family_friendly: true,
            results: found.map((page) => ({
              type: "search_result",
              title: page.title,
              url: page.url,
              description: `<strong>${page.text.split(" ")[0]}</strong> ${page.text.split(" ").slice(1, 12).join(" ")}`,
              page_age: page.publishedDate,
              profile: { name: page.author ?? new URL(page.url).hostname, url: page.url },
              extra_snippets: [page.text.slice(0, 80)],
            })),
          },
        },
      };
    }
    case "searxng": {
      if (request.method !== "GET" || request.path !== "/search") return { status: 404, body: "Not Found" };
      // A SearXNG whose settings do not enable JSON output answers 403.
      if (request.query.format !== "json") return { status: 403, body: "Forbidden" };
      const query = request.query.q ?? "";
      const found = matching(pages, query);
      return {
        status: 200,
        body: {
          query,
          number_of_results: found.length,
          results: found.map((page, index) => ({
            url: page.url,
            title: page.title,
            content: page.text.slice(0, 100),
            publishedDate: page.publishedDate ?? null,
            engine: "duckduckgo",
            engines: ["duckduckgo"],
            positions: [index + 1],
            score: 1,
            category: request.query.categories ?? "general",
          })),
          answers: [],
          corrections: [],
          infoboxes: [],
          suggestions: [],
          unresponsive_engines: [],
        },
      };
    }
  }
}
