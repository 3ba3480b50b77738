import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createEmbedder } from "../../src/llm/providers/embeddings.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type JsonBody, storedWindow } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { makePdf, uploadForm } from "./folders-fixtures.js";
import { createTestApp, type TestApp } from "./test-app.js";

const EMBEDDING_CONFIG = {
  embedding_endpoint_type: "openai",
  embedding_model: "text-embedding-3-small",
  embedding_dim: 384,
  embedding_chunk_size: 300,
};

const MARKDOWN = [
  "# Orchard notes",
  "",
  "The pear trees bloom in early April.",
  "Apples are picked in late September.",
  "",
  "## Pests",
  "",
  "Codling moths lay eggs on young apples.",
].join("\n");

describeOnEachStore("folders, uploads and file tools", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"], embeddingDim: 384 });
  });
  afterAll(() => openai.close());

  beforeEach(async () => {
    openai.reset();
    const providers = { openai: { apiKey: "sk-test", baseUrl: openai.url } };
    t = await createTestApp({
      store: storeKind,
      providers,
      embedder: createEmbedder({ providers, retry: { maxRetries: 0 } }),
    });
  });
  afterEach(() => t.close());

  const ok = async (method: string, path: string, body?: unknown): Promise<JsonBody> => {
    const response = await t.call(method, path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const upload = async (folderId: string, form: FormData, query = "") => {
    const response = await t.app.request(`/v1/folders/${folderId}/upload${query}`, {
      method: "POST",
      body: form,
    });
    return { status: response.status, body: (await response.json()) as JsonBody };
  };
  const createAgent = (extra: Record<string, unknown> = {}) =>
    ok("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", embedding_config: EMBEDDING_CONFIG, ...extra });
  const send = (agentId: string, text: string) =>
    ok("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });
  const toolReturns = (body: JsonBody): string[] =>
    body.messages
      .filter((message: JsonBody) => message.message_type === "tool_return_message")
      .map((message: JsonBody) => String(message.tool_return));

  it("processes a PDF and a markdown file to completed; the file tools find their content", async () => {
    const folder = await ok("POST", "/v1/folders/", {
      name: "library",
      instructions: "Check here first",
      embedding_config: EMBEDDING_CONFIG,
    });
    expect(folder.id).toMatch(/^source-/);
    const pdf = await makePdf([
      ["Quokkas are small marsupials.", "They live on Rottnest Island near Perth."],
      ["Quokkas are mostly nocturnal herbivores."],
    ]);
    const pdfUpload = await upload(folder.id, uploadForm("quokkas.pdf", pdf, "application/pdf"));
    expect(pdfUpload.status, JSON.stringify(pdfUpload.body)).toBe(200);
    expect(pdfUpload.body).toMatchObject({
      source_id: folder.id,
      file_name: "quokkas.pdf",
      file_type: "application/pdf",
      file_size: pdf.byteLength,
      processing_status: "pending",
    });
    const mdUpload = await upload(folder.id, uploadForm("orchard.md", MARKDOWN));
    expect(mdUpload.body).toMatchObject({ file_type: "text/markdown", processing_status: "pending" });

    await t.services.jobs.drain();
    const files = await ok("GET", `/v1/folders/${folder.id}/files?include_content=true`);
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file.processing_status, file.error_message).toBe("completed");
      expect(file.total_chunks).toBeGreaterThan(0);
      expect(file.chunks_embedded).toBe(file.total_chunks);
    }
    const pdfFile = files.find((file: JsonBody) => file.file_name === "quokkas.pdf");
    expect(pdfFile.content).toContain("They live on Rottnest Island near Perth.");
    expect(pdfFile.content).toContain("mostly nocturnal");

    const agent = await createAgent();
    const attached = await ok("PATCH", `/v1/agents/${agent.id}/folders/attach/${folder.id}`);
    expect(attached.sources.map((source: JsonBody) => source.id)).toEqual([folder.id]);
    const toolNames = attached.tools.map((tool: JsonBody) => tool.name);
    expect(toolNames).toEqual(expect.arrayContaining(["open_files", "grep_files", "semantic_search_files"]));
    expect((await ok("GET", `/v1/agents/${agent.id}/folders`)).map((f: JsonBody) => f.id)).toEqual([
      folder.id,
    ]);
    expect(await ok("GET", `/v1/folders/${folder.id}/agents`)).toEqual([agent.id]);

    openai.script.push(
      { toolCalls: [{ name: "semantic_search_files", arguments: { query: "where do quokkas live?" } }] },
      { toolCalls: [{ name: "grep_files", arguments: { pattern: "codling|rottnest", context_lines: 0 } }] },
      { text: "Found them." },
    );
    const turn = await send(agent.id, "Where do quokkas live, and what harms apples?");
    const [semantic, grep] = toolReturns(turn).map(
      (text) => JSON.parse(text) as { status: string; message: string },
    );
    expect(semantic?.status).toBe("OK");
    expect(semantic?.message).toContain("=== library/quokkas.pdf ===");
    expect(semantic?.message).toContain("Rottnest Island");
    expect(grep?.status).toBe("OK");
    expect(grep?.message).toContain("Found 2 total matches across 2 files");
    expect(grep?.message).toContain("=== library/orchard.md:8 ===");
    expect(grep?.message).toContain("> 8: Codling moths lay eggs on young apples.");
    expect(grep?.message).toContain("=== library/quokkas.pdf:");

    // The open files show in the compiled system prompt.
    const [system] = await storedWindow(t.store, agent.id);
    const prompt = system?.content.map((part) => (part.type === "text" ? part.text : "")).join("") ?? "";
    expect(prompt).toContain('<directory name="library">');
    expect(prompt).toContain("<instructions>Check here first</instructions>");
    expect(prompt).toContain('<file status="open" name="library/orchard.md">');
    expect(prompt).toContain("3: The pear trees bloom in early April.");
    expect(prompt).toContain("- current_files_open=2");
  });

  it("opens windows of files with open_files and closes the least recently used past the limit", async () => {
    const folder = await ok("POST", "/v1/folders/", { name: "docs", embedding_config: EMBEDDING_CONFIG });
    const lines = Array.from({ length: 30 }, (_, index) => `line ${index + 1} of the manual`);
    await upload(folder.id, uploadForm("manual.txt", lines.join("\n")));
    await upload(folder.id, uploadForm("orchard.md", MARKDOWN));
    await t.services.jobs.drain();
    const agent = await createAgent({ max_files_open: 1 });
    await ok("PATCH", `/v1/agents/${agent.id}/folders/attach/${folder.id}`);
    const listed = await ok("GET", `/v1/agents/${agent.id}/files`);
    expect(listed.has_more).toBe(false);
    expect(listed.files.filter((file: JsonBody) => file.is_open)).toHaveLength(1);

    openai.script.push(
      {
        toolCalls: [
          {
            name: "open_files",
            arguments: { file_requests: [{ file_name: "docs/manual.txt", offset: 9, length: 3 }] },
          },
        ],
      },
      {
        toolCalls: [
          { name: "open_files", arguments: { file_requests: [{ file_name: "docs/missing.txt" }] } },
        ],
      },
      {
        toolCalls: [
          {
            name: "open_files",
            arguments: {
              file_requests: [{ file_name: "docs/manual.txt" }, { file_name: "docs/orchard.md" }],
            },
          },
        ],
      },
      { text: "Read it." },
    );
    const turn = await send(agent.id, "Read lines 10 to 12 of the manual.");
    const [opened, missing, tooMany] = toolReturns(turn).map(
      (text) => JSON.parse(text) as { status: string; message: string },
    );
    expect(opened?.status).toBe("OK");
    expect(opened?.message).toContain("* Opened docs/manual.txt (lines 10-12)");
    expect(opened?.message).toContain(
      "Note: Closed 1 least recently used file(s) due to open file limit: docs/orchard.md",
    );
    expect(opened?.message).toContain(
      "10: line 10 of the manual\n11: line 11 of the manual\n12: line 12 of the manual",
    );
    expect(missing?.status).toBe("Failed");
    expect(missing?.message).toContain("`docs/missing.txt` not attached - did you get the filename correct?");
    expect(missing?.message).toContain("docs/manual.txt");
    expect(tooMany?.message).toBe("Cannot open 2 files: exceeds configured maximum limit of 1 files");

    const files = (await ok("GET", `/v1/agents/${agent.id}/files?is_open=true`)).files;
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({
      file_name: "docs/manual.txt",
      folder_id: folder.id,
      folder_name: "docs",
      start_line: 10,
      end_line: 12,
    });
    // The next turn's prompt shows the window.
    openai.script.push({ text: "ok" });
    await send(agent.id, "thanks");
    const [system] = await storedWindow(t.store, agent.id);
    const prompt = system?.content.map((part) => (part.type === "text" ? part.text : "")).join("") ?? "";
    expect(prompt).toContain("11: line 11 of the manual");
    expect(prompt).not.toContain("13: line 13 of the manual");
    expect(prompt).toContain('<file status="closed" name="docs/orchard.md">');

    const orchard = (await ok("GET", `/v1/folders/${folder.id}/files`)).find(
      (file: JsonBody) => file.file_name === "orchard.md",
    );
    expect(await ok("PATCH", `/v1/agents/${agent.id}/files/${orchard.id}/open`)).toEqual(["docs/manual.txt"]);
    expect(await ok("PATCH", `/v1/agents/${agent.id}/files/close-all`)).toEqual(["docs/orchard.md"]);
    expect((await ok("GET", `/v1/agents/${agent.id}/files?is_open=true`)).files).toEqual([]);
    expect(await ok("PATCH", `/v1/agents/${agent.id}/files/${orchard.id}/close`)).toMatchObject({
      message: expect.stringContaining(orchard.id),
    });
    const page = await ok("GET", `/v1/agents/${agent.id}/files?limit=1`);
    expect(page).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    const rest = await ok("GET", `/v1/agents/${agent.id}/files?limit=1&cursor=${page.next_cursor}`);
    expect(rest.has_more).toBe(false);
    expect(rest.files[0].file_name).not.toBe(page.files[0].file_name);
  });

  it("records a corrupt PDF as an error with the reason", async () => {
    const folder = await ok("POST", "/v1/folders/", { name: "broken" });
    const bad = await upload(
      folder.id,
      uploadForm("bad.pdf", "%PDF-1.4\nthis is not really a pdf", "application/pdf"),
    );
    expect(bad.status).toBe(200);
    await t.services.jobs.drain();
    const file = await ok("GET", `/v1/folders/${folder.id}/files/${bad.body.id}`);
    expect(file.processing_status).toBe("error");
    expect(file.error_message).toMatch(/Could not read the PDF/);
    expect(file.total_chunks).toBeNull();
  });

  it("refuses bad uploads with clear 4xx errors and handles duplicate names", async () => {
    const folder = await ok("POST", "/v1/folders/", { name: "inbox" });
    const image = await upload(folder.id, uploadForm("photo.png", new Uint8Array([137, 80, 78, 71])));
    expect(image.status).toBe(415);
    expect(image.body.detail).toMatch(/Unsupported file type for 'photo.png'/);
    const empty = await upload(folder.id, uploadForm("empty.txt", ""));
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/empty/);
    const noFile = new FormData();
    noFile.append("other", "x");
    expect((await upload(folder.id, noFile)).status).toBe(422);
    const json = await t.call("POST", `/v1/folders/${folder.id}/upload`, { file: "x" });
    expect(json.status).toBe(415);
    const unknown = await upload("source-00000000-0000-4000-8000-00000000ffff", uploadForm("a.txt", "hi"));
    expect(unknown.status).toBe(404);
    expect((await upload(folder.id, uploadForm("a.txt", "hi"), "?duplicate_handling=bogus")).status).toBe(
      422,
    );
    expect(await t.store.files.stats(folder.id)).toEqual({ files: 0, bytes: 0 });

    const first = await upload(folder.id, uploadForm("a.txt", "first"));
    const suffixed = await upload(folder.id, uploadForm("a.txt", "second"));
    expect(suffixed.body.file_name).toBe("a_(1).txt");
    expect(suffixed.body.original_file_name).toBe("a.txt");
    const skipped = await upload(folder.id, uploadForm("a.txt", "third"), "?duplicate_handling=skip");
    expect(skipped.body.id).toBe(first.body.id);
    const refused = await upload(folder.id, uploadForm("a.txt", "fourth"), "?duplicate_handling=error");
    expect(refused.status).toBe(409);
    const replaced = await upload(folder.id, uploadForm("a.txt", "fifth"), "?duplicate_handling=replace");
    expect(replaced.body.id).not.toBe(first.body.id);
    const renamed = await upload(folder.id, uploadForm("a.txt", "sixth"), "?name=renamed.md");
    expect(renamed.body).toMatchObject({ file_name: "renamed.md", file_type: "text/markdown" });
    await t.services.jobs.drain();
    const byName = Object.fromEntries(
      (await ok("GET", `/v1/folders/${folder.id}/files?include_content=true`)).map((file: JsonBody) => [
        file.file_name,
        file.content,
      ]),
    );
    expect(byName).toEqual({ "a.txt": "fifth", "a_(1).txt": "second", "renamed.md": "sixth" });
  });

  it("manages folders: rename, lookup by name, count, legacy /v1/sources, detach and delete", async () => {
    const folder = await ok("POST", "/v1/folders/", { name: "alpha", description: "first" });
    // Without an embedding named, the folder gets the default embedding model.
    expect(folder.embedding_config).toMatchObject({ handle: "openai/text-embedding-3-small" });
    expect((await t.call("POST", "/v1/folders/", { name: "alpha" })).status).toBe(409);
    expect((await t.call("POST", "/v1/folders/", { name: "" })).status).toBe(422);
    expect(await ok("GET", "/v1/folders/name/alpha")).toBe(folder.id);
    expect((await t.call("GET", "/v1/folders/name/nope")).status).toBe(404);
    expect(await ok("PATCH", `/v1/folders/${folder.id}`, { name: "beta" })).toMatchObject({ name: "beta" });
    expect(await ok("GET", "/v1/folders/count")).toBe(1);
    expect(await ok("GET", `/v1/sources/${folder.id}`)).toMatchObject({ name: "beta", description: "first" });
    expect((await ok("GET", "/v1/sources/")).map((f: JsonBody) => f.id)).toEqual([folder.id]);

    await upload(
      folder.id,
      uploadForm(
        "page.html",
        "<html><body><h1>Title</h1><p>Hello <b>world</b></p><script>x()</script></body></html>",
      ),
    );
    await t.services.jobs.drain();
    const [file] = await ok("GET", `/v1/sources/${folder.id}/files?include_content=true`);
    expect(file.content).toBe("# Title\n\nHello **world**");

    const agent = await createAgent();
    await ok("PATCH", `/v1/agents/${agent.id}/sources/attach/${folder.id}`);
    expect((await ok("GET", `/v1/agents/${agent.id}/sources`)).map((f: JsonBody) => f.id)).toEqual([
      folder.id,
    ]);
    const detached = await ok("PATCH", `/v1/agents/${agent.id}/folders/detach/${folder.id}`);
    expect(detached.sources).toEqual([]);
    expect(detached.tools.map((tool: JsonBody) => tool.name)).not.toContain("grep_files");
    expect((await ok("GET", `/v1/agents/${agent.id}/files`)).files).toEqual([]);

    await ok("PATCH", `/v1/agents/${agent.id}/folders/attach/${folder.id}`);
    await ok("DELETE", `/v1/sources/${folder.id}/${file.id}`);
    expect((await t.call("GET", `/v1/folders/${folder.id}/files/${file.id}`)).status).toBe(404);
    await ok("DELETE", `/v1/folders/${folder.id}`);
    expect((await t.call("GET", `/v1/folders/${folder.id}`)).status).toBe(404);
    const after = await ok("GET", `/v1/agents/${agent.id}`);
    expect(after.sources).toEqual([]);
    expect(after.tools.map((tool: JsonBody) => tool.name)).not.toContain("open_files");
    expect((await t.call("PATCH", `/v1/agents/${agent.id}/folders/attach/${folder.id}`)).status).toBe(404);
  });

  it("attaches folders given on agent create and update (folder_ids, or the deprecated source_ids)", async () => {
    const first = await ok("POST", "/v1/folders/", { name: "first" });
    const second = await ok("POST", "/v1/folders/", { name: "second" });
    await upload(first.id, uploadForm("notes.md", MARKDOWN));
    await t.services.jobs.drain();

    const agent = await createAgent({ folder_ids: [first.id] });
    expect(agent.sources.map((folder: JsonBody) => folder.id)).toEqual([first.id]);
    expect(agent.tools.map((tool: JsonBody) => tool.name)).toContain("grep_files");
    const files = (await ok("GET", `/v1/agents/${agent.id}/files`)).files;
    expect(files.map((file: JsonBody) => [file.file_name, file.is_open])).toEqual([["first/notes.md", true]]);

    const swapped = await ok("PATCH", `/v1/agents/${agent.id}`, { source_ids: [second.id] });
    expect(swapped.sources.map((folder: JsonBody) => folder.id)).toEqual([second.id]);
    expect((await ok("GET", `/v1/agents/${agent.id}/files`)).files).toEqual([]);
    const cleared = await ok("PATCH", `/v1/agents/${agent.id}`, { folder_ids: [] });
    expect(cleared.sources).toEqual([]);
    expect(cleared.tools.map((tool: JsonBody) => tool.name)).not.toContain("grep_files");

    // An unknown folder is a 404 and creates nothing.
    const before = await ok("GET", "/v1/agents/count");
    const missing = "source-00000000-0000-4000-8000-999999999999";
    const refused = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding_config: EMBEDDING_CONFIG,
      folder_ids: [first.id, missing],
    });
    expect(refused.status).toBe(404);
    expect(refused.body.detail).toContain(missing);
    expect(await ok("GET", "/v1/agents/count")).toBe(before);
    expect((await t.call("PATCH", `/v1/agents/${agent.id}`, { folder_ids: [missing] })).status).toBe(404);
    expect((await ok("GET", `/v1/agents/${agent.id}`)).sources).toEqual([]);
  });
});
