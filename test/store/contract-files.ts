import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FileAgent, FileMetadata, Source } from "../../src/domain/index.js";
import { type ContractContext, expectReverieError, ids } from "./contract-context.js";
import { vectorNear } from "./fixtures.js";

export function source(now: string, overrides: Partial<Source> = {}): Source {
  return {
    id: `source-${randomUUID()}`,
    name: `folder ${randomUUID().slice(0, 8)}`,
    description: null,
    instructions: null,
    metadata: null,
    embedding_config: { embedding_endpoint_type: "openai", embedding_model: "fake", embedding_dim: 3 },
    vector_db_provider: "native",
    created_by_id: null,
    last_updated_by_id: null,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export function file(
  sourceId: string,
  now: string,
  overrides: Partial<FileMetadata> = {},
): Omit<FileMetadata, "content"> {
  return {
    id: `file-${randomUUID()}`,
    source_id: sourceId,
    file_name: "notes.md",
    original_file_name: "notes.md",
    file_path: null,
    file_type: "text/markdown",
    file_size: 5,
    file_creation_date: null,
    file_last_modified_date: null,
    processing_status: "pending",
    error_message: null,
    total_chunks: null,
    chunks_embedded: null,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export function view(
  agentId: string,
  stored: Omit<FileMetadata, "content">,
  now: string,
  open: boolean,
): FileAgent {
  return {
    agent_id: agentId,
    file_id: stored.id,
    source_id: stored.source_id,
    file_name: `folder/${stored.file_name}`,
    is_open: open,
    visible_content: open ? "1: hello" : null,
    start_line: open ? 1 : null,
    end_line: open ? 1 : null,
    last_accessed_at: now,
    created_at: now,
    updated_at: now,
  };
}

export function describeFileContract(context: ContractContext): void {
  describe("folders and files", () => {
    it("creates, renames, lists and counts folders; names are unique", async () => {
      const { store, f } = context;
      const first = await store.sources.create(source(f.now(), { name: "docs", metadata: { k: 1 } }));
      const second = await store.sources.create(source(f.now(), { name: "code", embedding_config: null }));
      expect(await store.sources.get(first.id)).toEqual(first);
      expect(await store.sources.getByName("code")).toEqual(second);
      expect(await store.sources.count()).toBe(2);
      expect(ids(await store.sources.list({ order: "asc" }))).toEqual([first.id, second.id]);
      expect(ids(await store.sources.list({ name: "docs" }))).toEqual([first.id]);
      await expectReverieError(store.sources.create(source(f.now(), { name: "docs" })), "conflict");
      await expectReverieError(store.sources.update(second.id, { name: "docs" }), "conflict");
      const renamed = await store.sources.update(second.id, { name: "source", description: "src" });
      expect(renamed).toMatchObject({ name: "source", description: "src", embedding_config: null });
      expect(await store.sources.update(`source-${randomUUID()}`, { name: "x" })).toBeUndefined();
    });

    it("keeps a file's uploaded bytes, text and processing state", async () => {
      const { store, f } = context;
      const folder = await store.sources.create(source(f.now()));
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      const stored = await store.files.create(file(folder.id, f.now()), bytes);
      expect(await store.files.get(stored.id)).toEqual(stored);
      expect(await store.files.getByName(folder.id, "notes.md")).toEqual(stored);
      expect(Array.from((await store.files.raw(stored.id)) ?? [])).toEqual(Array.from(bytes));
      expect(await store.files.text(stored.id)).toBeNull();
      await store.files.setText(stored.id, "line one\nline two");
      expect(await store.files.text(stored.id)).toBe("line one\nline two");
      const updated = await store.files.update(stored.id, {
        processing_status: "embedding",
        total_chunks: 4,
        chunks_embedded: 2,
      });
      expect(updated).toMatchObject({ processing_status: "embedding", total_chunks: 4, chunks_embedded: 2 });
      expect(
        await store.files.update(`file-${randomUUID()}`, { processing_status: "error" }),
      ).toBeUndefined();
      await expectReverieError(store.files.create(file(folder.id, f.now()), bytes), "conflict");
      await expectReverieError(
        store.files.create(file(`source-${randomUUID()}`, f.now()), bytes),
        "not_found",
      );

      const other = await store.files.create(
        file(folder.id, f.now(), { file_name: "b.txt", file_size: 10 }),
        bytes,
      );
      expect(ids(await store.files.list({ source_id: folder.id, order: "asc" }))).toEqual([
        stored.id,
        other.id,
      ]);
      expect(ids(await store.files.list({ source_id: folder.id, order: "desc", limit: 1 }))).toEqual([
        other.id,
      ]);
      expect((await store.files.names(folder.id)).sort()).toEqual(["b.txt", "notes.md"]);
      expect(await store.files.stats(folder.id)).toEqual({ files: 2, bytes: 15 });
    });

    it("deletes a file with its passages and agents' views; a folder with everything in it", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const folder = await store.sources.create(source(f.now()));
      const kept = await store.sources.create(source(f.now()));
      const doomed = await store.files.create(file(folder.id, f.now()), new Uint8Array([1]));
      const survivor = await store.files.create(
        file(folder.id, f.now(), { file_name: "b.md" }),
        new Uint8Array([2]),
      );
      const elsewhere = await store.files.create(file(kept.id, f.now()), new Uint8Array([3]));
      const passage = (fileId: string, sourceId: string, text: string, axis: number) =>
        f.passage("", text, vectorNear(3, axis), { archive_id: null, source_id: sourceId, file_id: fileId });
      await store.passages.insert([
        passage(doomed.id, folder.id, "alpha quokka", 0),
        passage(survivor.id, folder.id, "beta quokka", 1),
        passage(elsewhere.id, kept.id, "gamma quokka", 2),
      ]);
      await store.sources.attach(agent.id, folder.id, f.now());
      await store.files.putAgentFile(view(agent.id, doomed, f.now(), true));
      await store.files.putAgentFile(view(agent.id, survivor, f.now(), false));

      const scope = { archive_ids: [], source_ids: [folder.id, kept.id] };
      expect((await store.passages.searchText(scope, "quokka", 10)).length).toBe(3);
      expect(await store.files.delete(doomed.id)).toBe(true);
      expect(await store.files.delete(doomed.id)).toBe(false);
      expect(await store.files.get(doomed.id)).toBeUndefined();
      expect(await store.files.raw(doomed.id)).toBeUndefined();
      expect(await store.files.getAgentFile(agent.id, doomed.id)).toBeUndefined();
      const texts = (await store.passages.searchText(scope, "quokka", 10)).map((hit) => hit.passage.text);
      expect(texts.sort()).toEqual(["beta quokka", "gamma quokka"]);
      expect(
        (await store.passages.searchVector(scope, vectorNear(3, 0), 10)).map((hit) => hit.passage.text),
      ).not.toContain("alpha quokka");

      expect(await store.files.deletePassages(survivor.id)).toBe(1);
      expect(await store.sources.delete(folder.id)).toBe(true);
      expect(await store.sources.get(folder.id)).toBeUndefined();
      expect(await store.files.get(survivor.id)).toBeUndefined();
      expect(await store.files.listAgentFiles(agent.id)).toEqual([]);
      expect(await store.sources.listForAgent(agent.id)).toEqual([]);
      expect((await store.passages.searchText(scope, "quokka", 10)).map((hit) => hit.passage.text)).toEqual([
        "gamma quokka",
      ]);
      expect(await store.files.get(elsewhere.id)).toBeDefined();
    });

    it("attaches folders to agents and keeps each agent's open-file views", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const first = await store.sources.create(source(f.now()));
      const second = await store.sources.create(source(f.now()));
      await store.sources.attach(agent.id, second.id, f.now());
      await store.sources.attach(agent.id, first.id, f.now());
      await store.sources.attach(agent.id, first.id, f.now());
      await store.sources.attach(other.id, first.id, f.now());
      expect(ids(await store.sources.listForAgent(agent.id))).toEqual([second.id, first.id]);
      expect((await store.sources.agentIds(first.id)).sort()).toEqual([agent.id, other.id].sort());
      await expectReverieError(
        store.sources.attach(agent.id, `source-${randomUUID()}`, f.now()),
        "not_found",
      );
      await expectReverieError(store.sources.attach(`agent-${randomUUID()}`, first.id, f.now()), "not_found");

      const a = await store.files.create(file(first.id, f.now(), { file_name: "a.md" }), new Uint8Array([1]));
      const b = await store.files.create(file(first.id, f.now(), { file_name: "b.md" }), new Uint8Array([1]));
      await store.files.putAgentFile(view(agent.id, a, f.at(100), true));
      await store.files.putAgentFile(view(agent.id, b, f.at(200), false));
      await store.files.putAgentFile(view(other.id, a, f.at(300), true));
      expect((await store.files.listAgentFiles(agent.id)).map((row) => row.file_id)).toEqual([b.id, a.id]);
      expect(
        (await store.files.listAgentFiles(agent.id, { is_open: true })).map((row) => row.file_id),
      ).toEqual([a.id]);
      const reopened = await store.files.putAgentFile({
        ...view(agent.id, b, f.at(400), true),
        visible_content: "2: two",
        start_line: 2,
        end_line: 2,
      });
      expect(reopened).toMatchObject({
        is_open: true,
        visible_content: "2: two",
        start_line: 2,
        end_line: 2,
      });
      expect(reopened.created_at).toBe(f.at(200));
      expect((await store.files.fileAgentIds(a.id)).sort()).toEqual([agent.id, other.id].sort());

      expect(await store.sources.detach(agent.id, first.id)).toBe(true);
      expect(await store.sources.detach(agent.id, first.id)).toBe(false);
      expect(await store.files.listAgentFiles(agent.id)).toEqual([]);
      expect((await store.files.listAgentFiles(other.id)).map((row) => row.file_id)).toEqual([a.id]);
      await store.agents.delete(other.id);
      expect(await store.files.fileAgentIds(a.id)).toEqual([]);
      expect(await store.sources.agentIds(first.id)).toEqual([]);
    });
  });
}
