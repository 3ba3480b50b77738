import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentRecord, EmbeddingConfig, FileMetadata } from "../../src/domain/index.js";
import { createModelRegistry } from "../../src/llm/model-registry.js";
import type { Embedder } from "../../src/llm/providers/embeddings.js";
import { createModelProvider } from "../../src/llm/providers/model-provider.js";
import { grepFiles, openFiles, semanticSearchFiles } from "../../src/runtime/files/file-tools.js";
import { fileLimits, fileWindow } from "../../src/runtime/files/file-views.js";
import { detectFileType, htmlToMarkdown, parseFile } from "../../src/runtime/files/parsers.js";
import { createServices, type Services } from "../../src/runtime/services.js";
import { upsertBaseTools } from "../../src/runtime/tools/base-tools.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { fakeEmbed } from "../fake-llm/index.js";
import { createTestDatabase } from "../helpers/postgres-schema.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { makePdf } from "../server/folders-fixtures.js";
import { countingIds, tickingClock } from "../server/test-app.js";

const CONFIG: EmbeddingConfig = {
  embedding_endpoint_type: "openai",
  embedding_model: "fake-embedder",
  embedding_dim: 64,
  embedding_chunk_size: 40,
  batch_size: 2,
};

/** An embedder that records each call (and what the caller saw at that moment). */
function recordingEmbedder(onEmbed: (texts: readonly string[]) => Promise<void> = async () => {}) {
  const calls: number[] = [];
  const embedder: Embedder = {
    async embed(texts, model) {
      calls.push(texts.length);
      await onEmbed(texts);
      const dim = typeof model === "string" ? 64 : model.embedding_dim;
      return texts.map((text) => fakeEmbed(text, dim));
    },
  };
  return { embedder, calls };
}

const essay = Array.from({ length: 12 }, (_, index) =>
  `Paragraph ${index + 1}. ${index === 7 ? "The lighthouse keeper feeds the gulls at dawn." : "Waves roll over the grey stones of the harbour wall."} `.repeat(
    2,
  ),
).join("\n\n");

describeOnEachStore("file processing", (storeKind) => {
  let store: Store;
  let services: Services;
  let dropDatabase: (() => Promise<void>) | undefined;
  let home: string;
  let url: string;
  const clock = tickingClock();
  const ids = countingIds();

  async function open(embedder?: Embedder): Promise<void> {
    store = await openStore(url);
    const providers = { openai: { apiKey: "sk-test", baseUrl: "http://127.0.0.1:9" } };
    services = createServices({
      store,
      models: createModelRegistry(providers),
      provider: createModelProvider({ providers, retry: { maxRetries: 0 } }),
      clock,
      ids,
      embedder,
    });
    await upsertBaseTools(store, { clock, ids });
  }

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-files-"));
    if (storeKind === "postgres") {
      const database = await createTestDatabase();
      url = database.url;
      dropDatabase = database.drop;
    } else {
      url = join(home, "reverie.db");
      dropDatabase = undefined;
    }
  });
  afterEach(async () => {
    await services.jobs.stop();
    await store.close();
    await dropDatabase?.();
    rmSync(home, { recursive: true, force: true });
  });

  const agentRecord = async (overrides: Partial<AgentRecord> = {}) => {
    const created = await services.agents.create({ model: "openai/gpt-4o-mini", embedding_config: CONFIG });
    return (await store.agents.update(created.id, overrides)) as AgentRecord;
  };

  it("advances pending → parsing → embedding → completed, embedding in batches", async () => {
    const seen: string[] = [];
    let fileId = "";
    const { embedder, calls } = recordingEmbedder(async () => {
      seen.push((await store.files.get(fileId))?.processing_status ?? "gone");
    });
    await open(embedder);
    const folder = await services.folders.create({ name: "sea", embedding_config: CONFIG });
    const uploaded = await services.folders.upload(folder.id, {
      fileName: "harbour.md",
      bytes: new TextEncoder().encode(essay),
    });
    fileId = uploaded.id;
    expect(uploaded.processing_status).toBe("pending");
    await services.jobs.drain();
    const done = (await store.files.get(fileId)) as FileMetadata;
    expect(done).toMatchObject({ processing_status: "completed", error_message: null });
    expect(done.total_chunks).toBeGreaterThan(2);
    expect(done.chunks_embedded).toBe(done.total_chunks);
    expect(new Set(seen)).toEqual(new Set(["embedding"]));
    // batch_size 2: every call but maybe the last embeds two chunks.
    expect(calls.slice(0, -1).every((size) => size === 2)).toBe(true);
    expect(calls.reduce((sum, size) => sum + size, 0)).toBe(done.total_chunks);

    const agent = await agentRecord();
    await services.folders.attach(agent.id, folder.id);
    const embed = (texts: string[]) => embedder.embed(texts, CONFIG);
    const found = await semanticSearchFiles(
      { query: "who feeds the gulls?", limit: 1 },
      { store, agent, embed },
    );
    expect(found).toEqual({ ok: true, value: expect.stringContaining("lighthouse keeper feeds the gulls") });
    expect(found.ok && found.value).toContain("=== sea/harbour.md ===");
  });

  it("keeps an upload through a restart and processes it afterwards", async () => {
    await open();
    const folder = await services.folders.create({ name: "later" });
    const pdf = await makePdf([["The vault code is kept in the red ledger."]]);
    const uploaded = await services.folders.upload(folder.id, { fileName: "vault.pdf", bytes: pdf });
    await services.jobs.stop();
    await store.close();

    await open();
    expect((await store.files.get(uploaded.id))?.processing_status).toBe("pending");
    await services.jobs.drain();
    const file = await services.folders.getFile(folder.id, uploaded.id, true);
    expect(file).toMatchObject({ processing_status: "completed", chunks_embedded: 0 });
    expect(file.content).toBe("The vault code is kept in the red ledger.");
    // Without an embedder the file is still found, by keyword.
    const agent = await agentRecord();
    await services.folders.attach(agent.id, folder.id);
    const found = await semanticSearchFiles({ query: "red ledger" }, { store, agent });
    expect(found.ok && found.value).toContain("The vault code is kept in the red ledger.");
  });

  it("stops cleanly when the file is deleted while it is being embedded", async () => {
    let fileId = "";
    const { embedder } = recordingEmbedder(async () => {
      await store.files.delete(fileId);
    });
    await open(embedder);
    const folder = await services.folders.create({ name: "gone", embedding_config: CONFIG });
    fileId = (
      await services.folders.upload(folder.id, { fileName: "a.md", bytes: new TextEncoder().encode(essay) })
    ).id;
    await services.jobs.drain();
    expect(await store.files.get(fileId)).toBeUndefined();
    const hits = await store.passages.searchText({ archive_ids: [], source_ids: [folder.id] }, "harbour", 50);
    expect(hits).toEqual([]);
    expect((await store.jobs.list({ kind: "process_file" }))[0]?.status).toBe("succeeded");
  });

  it("grep_files pages 20 matches at a time, filters by glob and rejects bad patterns", async () => {
    await open();
    const folder = await services.folders.create({ name: "logs" });
    const log = Array.from({ length: 25 }, (_, index) => `${index + 1} ERROR disk ${index}`).join("\n");
    await services.folders.upload(folder.id, { fileName: "app.log", bytes: new TextEncoder().encode(log) });
    await services.folders.upload(folder.id, {
      fileName: "notes.md",
      bytes: new TextEncoder().encode("no errors here\nok"),
    });
    await services.jobs.drain();
    const agent = await agentRecord();
    await services.folders.attach(agent.id, folder.id);

    const first = await grepFiles({ pattern: "error" }, { store, agent });
    expect(first.ok && first.value).toContain(
      "Found 26 total matches across 2 files (showing matches 1-20 of 26)",
    );
    expect(first.ok && first.value).toContain("- logs/app.log: 25 matches");
    expect(first.ok && first.value).toContain("Use offset=20");
    const second = await grepFiles({ pattern: "error", offset: 20 }, { store, agent });
    expect(second.ok && second.value).toContain("(showing matches 21-26 of 26)");
    expect(second.ok && second.value).toContain("=== logs/notes.md:1 ===");
    const globbed = await grepFiles({ pattern: "error", include: "*.md" }, { store, agent });
    expect(globbed.ok && globbed.value).toContain("Found 1 total matches across 1 files");
    expect(await grepFiles({ pattern: "x", include: "*.pdf" }, { store, agent })).toEqual({
      ok: true,
      value: "No files found matching pattern '*.pdf'",
    });
    expect(await grepFiles({ pattern: "(" }, { store, agent })).toMatchObject({
      ok: false,
      error: expect.stringContaining("Invalid regex pattern '('"),
    });
    expect(await grepFiles({ pattern: "a".repeat(1001) }, { store, agent })).toMatchObject({ ok: false });
    expect(await grepFiles({ pattern: "zebra" }, { store, agent })).toEqual({
      ok: true,
      value: "No matches found for pattern: 'zebra'",
    });
  });

  it("open_files closes all others on request and refuses ranges that make no sense", async () => {
    await open();
    const folder = await services.folders.create({ name: "f" });
    for (const name of ["a.txt", "b.txt", "c.txt"]) {
      await services.folders.upload(folder.id, {
        fileName: name,
        bytes: new TextEncoder().encode(`${name}\nsecond`),
      });
    }
    await services.jobs.drain();
    const agent = await agentRecord();
    await services.folders.attach(agent.id, folder.id);
    expect((await store.files.listAgentFiles(agent.id, { is_open: true })).length).toBe(3);
    const now = new Date().toISOString();
    const result = await openFiles(
      { file_requests: [{ file_name: "f/b.txt", offset: 1 }], close_all_others: true },
      { tx: store, agent, now },
    );
    expect(result.ok && result.value).toContain("* Opened f/b.txt (lines 2-2)");
    expect(result.ok && result.value).toContain("Note: Closed 2 least recently used file(s)");
    const stillOpen = await store.files.listAgentFiles(agent.id, { is_open: true });
    expect(stillOpen.map((view) => [view.file_name, view.visible_content])).toEqual([
      ["f/b.txt", "2: second"],
    ]);
    expect(
      await openFiles({ file_requests: [{ file_name: "f/a.txt", offset: -1 }] }, { tx: store, agent, now }),
    ).toMatchObject({ ok: false });
    expect(await openFiles({ file_requests: [] }, { tx: store, agent, now })).toMatchObject({ ok: false });
  });
});

describe("file windows and parsers", () => {
  it("numbers lines from 1 and cuts the window at whole lines within the character limit", () => {
    const text = "alpha\nbeta\ngamma\ndelta";
    expect(fileWindow(text, {}, 1000)).toEqual({
      visible_content: "1: alpha\n2: beta\n3: gamma\n4: delta",
      start_line: 1,
      end_line: 4,
      total_lines: 4,
    });
    expect(fileWindow(text, { offset: 1, length: 2 }, 1000).visible_content).toBe("2: beta\n3: gamma");
    expect(fileWindow(text, {}, 17)).toMatchObject({ visible_content: "1: alpha\n2: beta", end_line: 2 });
    expect(fileWindow(text, { offset: 99 }, 1000)).toMatchObject({
      visible_content: "4: delta",
      start_line: 4,
    });
    expect(fileWindow("x".repeat(50), {}, 10).visible_content).toBe("1: xxxxxxx");
  });

  it("derives Letta's default file limits from the context window unless the agent sets them", () => {
    const agent = (contextWindow: number, overrides: Partial<AgentRecord> = {}) =>
      ({
        context_window_limit: null,
        llm_config: { model: "m", model_endpoint_type: "openai", context_window: contextWindow },
        max_files_open: null,
        per_file_view_window_char_limit: null,
        ...overrides,
      }) as AgentRecord;
    expect(fileLimits(agent(8000))).toEqual({ maxFilesOpen: 3, charLimit: 5000 });
    expect(fileLimits(agent(128000))).toEqual({ maxFilesOpen: 10, charLimit: 25000 });
    expect(fileLimits(agent(1_000_000))).toEqual({ maxFilesOpen: 15, charLimit: 40000 });
    expect(fileLimits(agent(8000, { max_files_open: 7, per_file_view_window_char_limit: 99 }))).toEqual({
      maxFilesOpen: 7,
      charLimit: 99,
    });
  });

  it("recognises uploads by extension, then by declared type", () => {
    expect(detectFileType("report.PDF", undefined)).toEqual({ kind: "pdf", mime: "application/pdf" });
    expect(detectFileType("main.py", undefined)).toEqual({ kind: "code", mime: "text/x-py" });
    expect(detectFileType("README", "text/plain")).toEqual({ kind: "text", mime: "text/plain" });
    expect(detectFileType("photo.png", "image/png")).toBeUndefined();
    expect(detectFileType("blob", undefined)).toBeUndefined();
  });

  it("turns HTML into readable markdown and refuses binary text files", async () => {
    const html = `<!doctype html><html><head><title>Guide</title><style>p{}</style></head><body>
      <nav><a href="/">Home</a></nav><h2>Setup</h2><p>Run <code>npm i</code> then
      <a href="https://example.com/docs">read the docs</a>.</p><ul><li>one</li><li>two</li></ul>
      <pre>line 1
line 2</pre><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table></body></html>`;
    const markdown = htmlToMarkdown(html);
    expect(markdown).toContain("# Guide");
    expect(markdown).toContain("## Setup");
    expect(markdown).toContain("Run `npm i` then [read the docs](https://example.com/docs).");
    expect(markdown).toContain("- one\n- two");
    expect(markdown).toContain("```\nline 1\nline 2\n```");
    expect(markdown).toContain("| k | v |\n| a | 1 |");
    expect(markdown).not.toContain("p{}");

    expect(await parseFile(new Uint8Array([0xff, 0xfe, 0x00, 0x41]), "text")).toMatchObject({ ok: false });
    expect(await parseFile(new TextEncoder().encode("a\r\nb"), "code")).toEqual({ ok: true, value: "a\nb" });
    expect(await parseFile(new TextEncoder().encode("not a pdf"), "pdf")).toMatchObject({
      ok: false,
      error: expect.stringContaining("Could not read the PDF"),
    });
  });

  it("reads a PDF as a PDF even when it was uploaded under a text file's name", async () => {
    const pdf = await makePdf([["Wombats have cube-shaped droppings."]]);
    const parsed = await parseFile(pdf, "text");
    expect(parsed).toMatchObject({ ok: true });
    expect(parsed.ok && parsed.value).toContain("Wombats have cube-shaped droppings.");
  });
});
