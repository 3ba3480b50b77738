import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebTools, webToolSettingsFromEnv } from "../../src/runtime/tools/web/web-tools.js";
import { createCpuPool } from "../../src/runtime/workers/cpu-pool.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { makePdf } from "../server/folders-fixtures.js";
import { createTestApp } from "../server/test-app.js";

const ARTICLE = `<!doctype html>
<html><head><title>Quokkas of Rottnest</title><meta charset="utf-8"></head>
<body>
  <nav><a href="/">Home</a> | <a href="/shop">Shop</a> | <a href="/login">Log in</a></nav>
  <div class="ad">BUY CHEAP FLIGHTS NOW</div>
  <article>
    <h1>Quokkas of Rottnest</h1>
    <p>The quokka is a small marsupial about the size of a domestic cat. It lives on Rottnest Island,
    off the coast of Western Australia, where it has few predators and a lot of curious visitors.</p>
    <h2>Diet</h2>
    <p>Quokkas are <strong>herbivores</strong>. They eat grasses, sedges and leaves, and they can go
    for long periods without drinking, getting most of their water from the plants they chew.</p>
    <ul><li>Grasses</li><li>Sedges</li><li>Leaves</li></ul>
    <p>Read more in the <a href="https://example.org/guide">field guide</a>.</p>
  </article>
  <script>window.tracker = "should not appear";</script>
  <footer>Copyright 2026 Island Tours - all rights reserved</footer>
</body></html>`;

describe("fetch_webpage", () => {
  let site: Server;
  let base: string;
  let pdf: Uint8Array;

  beforeAll(async () => {
    pdf = await makePdf([["Quokka census 2025"], ["Twelve thousand quokkas were counted."]]);
    site = createServer((request, response) => {
      switch (request.url) {
        case "/article":
          response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          response.end(ARTICLE);
          return;
        case "/latin1":
          response.writeHead(200, { "content-type": "text/plain; charset=iso-8859-1" });
          response.end(Buffer.from("Caf\xe9 cr\xe8me", "latin1"));
          return;
        case "/census.pdf":
          response.writeHead(200, { "content-type": "application/pdf" });
          response.end(Buffer.from(pdf));
          return;
        case "/image":
          response.writeHead(200, { "content-type": "image/png" });
          response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
          return;
        default:
          response.writeHead(404, { "content-type": "text/plain" });
          response.end("missing");
      }
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
  });

  const allowed = createWebTools(webToolSettingsFromEnv({ REVERIE_FETCH_ALLOW_PRIVATE: "127.0.0.1" }));

  it("turns an HTML page into readable markdown without navigation, ads, scripts or footer", async () => {
    const result = await allowed.fetchWebpage({ url: `${base}/article` });
    expect(result.ok).toBe(true);
    const markdown = result.ok ? result.value : "";
    expect(markdown).toMatch(/^# Quokkas of Rottnest\n\nSource: http:\/\/127\.0\.0\.1:\d+\/article\n\n/);
    expect(markdown).toContain("## Diet");
    expect(markdown).toContain("**herbivores**");
    expect(markdown).toMatch(/- Grasses\n- Sedges\n- Leaves/);
    expect(markdown).toContain("[field guide](https://example.org/guide)");
    for (const noise of ["tracker", "Log in", "CHEAP FLIGHTS", "Copyright"])
      expect(markdown).not.toContain(noise);
  });

  it("makes pages readable the same in a worker thread as in place", async () => {
    const pool = createCpuPool({ threads: 1, offloadAbove: 1 });
    const tasks: string[] = [];
    const threaded = createWebTools(webToolSettingsFromEnv({ REVERIE_FETCH_ALLOW_PRIVATE: "127.0.0.1" }), {
      run(task, input, options) {
        tasks.push(task);
        return pool.run(task, input, options);
      },
      close: () => pool.close(),
    });
    try {
      for (const path of ["/article", "/census.pdf", "/latin1", "/image"]) {
        expect(await threaded.fetchWebpage({ url: `${base}${path}` }), path).toEqual(
          await allowed.fetchWebpage({ url: `${base}${path}` }),
        );
      }
      expect(tasks).toEqual(["readablePage", "readablePage", "readablePage", "readablePage"]);
    } finally {
      await pool.close();
    }
  });

  it("extracts a PDF's text and decodes declared charsets", async () => {
    const result = await allowed.fetchWebpage({ url: `${base}/census.pdf` });
    expect(result).toEqual({
      ok: true,
      value: "Quokka census 2025\n\nTwelve thousand quokkas were counted.",
    });
    expect(await allowed.fetchWebpage({ url: `${base}/latin1` })).toEqual({ ok: true, value: "Café crème" });
  });

  it("answers tool errors for HTTP errors, binary content and bad URLs", async () => {
    expect(await allowed.fetchWebpage({ url: `${base}/nothing` })).toEqual({
      ok: false,
      error: `Error fetching webpage: ${base}/nothing answered HTTP 404`,
    });
    const image = await allowed.fetchWebpage({ url: `${base}/image` });
    expect(image.ok ? "" : image.error).toContain("image/png, which cannot be read as text");
    expect(await allowed.fetchWebpage({ url: "" })).toMatchObject({ ok: false });
    expect(await allowed.fetchWebpage({ url: "javascript:alert(1)" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("only http:// and https://"),
    });
  });

  describe("as an agent's tool", () => {
    let openai: FakeLlmServer;
    beforeAll(async () => {
      openai = await startFakeOpenAI();
    });
    afterAll(() => openai.close());

    const turn = async (web: ReturnType<typeof createWebTools> | undefined) => {
      const t = await createTestApp({
        providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
        web,
      });
      try {
        const created = await t.call("POST", "/v1/agents/", {
          model: "openai/gpt-4o-mini",
          tools: ["fetch_webpage", "web_search"],
        });
        expect(created.status, JSON.stringify(created.body)).toBe(200);
        expect(created.body.tools.map((tool: { name: string }) => tool.name)).toEqual(
          expect.arrayContaining(["fetch_webpage", "web_search"]),
        );
        openai.script.push(
          { toolCalls: [{ name: "fetch_webpage", arguments: { url: `${base}/article` } }] },
          { text: "Quokkas eat grasses." },
        );
        const sent = await t.call("POST", `/v1/agents/${created.body.id}/messages`, {
          messages: [{ role: "user", content: "What do quokkas eat? Read the page." }],
        });
        expect(sent.status).toBe(200);
        const toolReturn = sent.body.messages.find(
          (message: { message_type: string }) => message.message_type === "tool_return_message",
        );
        // The model saw the tool definition with Letta's schema.
        const offered = (
          openai.requests.at(-2)!.body as {
            tools: Array<{ function: { name: string; parameters: unknown } }>;
          }
        ).tools.map((tool) => tool.function);
        expect(offered.find((tool) => tool.name === "fetch_webpage")?.parameters).toMatchObject({
          properties: { url: { type: "string" } },
          required: ["url"],
        });
        return { status: toolReturn.status, body: JSON.parse(toolReturn.tool_return) };
      } finally {
        await t.close();
      }
    };

    it("refuses 127.0.0.1 by default, and reads the page when the operator allows it", async () => {
      const refused = await turn(undefined);
      expect(refused.status).toBe("error");
      expect(refused.body.status).toBe("Failed");
      expect(refused.body.message).toContain("127.0.0.1 is a loopback address");
      expect(refused.body.message).toContain("REVERIE_FETCH_ALLOW_PRIVATE");

      const read = await turn(allowed);
      expect(read.status).toBe("success");
      expect(read.body.message).toContain("## Diet");
    });
  });
});
