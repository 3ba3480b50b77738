import { describe, expect, it } from "vitest";
import type { Passage } from "../../src/domain/index.js";
import { type ContractContext, ids } from "./contract-context.js";
import { vectorNear } from "./fixtures.js";

function expectVectorClose(actual: number[] | null | undefined, expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((value, index) => {
    expect(actual?.[index]).toBeCloseTo(value, 5);
  });
}

export function describePassageContract(context: ContractContext): void {
  describe("archives", () => {
    it("creates, updates, lists, attaches to agents and deletes with its passages", async () => {
      const { store, f } = context;
      const agent = await store.agents.create(f.agent());
      const other = await store.agents.create(f.agent());
      const archive = await store.archives.create(
        f.archive({
          name: "notes",
          embedding_config: { embedding_endpoint_type: "openai", embedding_model: "m", embedding_dim: 3 },
        }),
      );
      const second = await store.archives.create(f.archive({ name: "second" }));
      expect(await store.archives.get(archive.id)).toEqual(archive);
      const updated = await store.archives.update(archive.id, { description: "my notes" });
      expect(updated).toMatchObject({ description: "my notes", name: "notes", vector_db_provider: "native" });
      expect(await store.archives.update(f.id("archive"), { name: "x" })).toBeUndefined();

      await store.archives.attach(agent.id, archive.id, true);
      await store.archives.attach(other.id, archive.id, false);
      await store.archives.attach(agent.id, second.id, false);
      await store.archives.attach(agent.id, second.id, true);
      expect(ids(await store.archives.listForAgent(agent.id))).toEqual([archive.id, second.id]);
      expect((await store.archives.agentIds(archive.id)).sort()).toEqual([agent.id, other.id].sort());
      expect(ids(await store.archives.list({ agent_id: other.id }))).toEqual([archive.id]);
      expect(ids(await store.archives.list({ name: "second" }))).toEqual([second.id]);
      expect(ids(await store.archives.list({ order: "asc" }))).toEqual([archive.id, second.id]);
      expect(await store.archives.detach(other.id, archive.id)).toBe(true);
      expect(await store.archives.detach(other.id, archive.id)).toBe(false);

      await store.passages.insert([f.passage(archive.id, "remember this", [1, 0, 0], { tags: ["t"] })]);
      expect(await store.archives.delete(archive.id)).toBe(true);
      expect(await store.archives.get(archive.id)).toBeUndefined();
      expect(await store.passages.count([archive.id])).toBe(0);
      expect(await store.passages.tags([archive.id])).toEqual([]);
      expect(await store.passages.searchVector({ archive_ids: [archive.id] }, [1, 0, 0], 5)).toEqual([]);
      expect(ids(await store.archives.listForAgent(agent.id))).toEqual([second.id]);
    });
  });

  describe("passages", () => {
    it("reads back passages with their embeddings (or none)", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const vector = [0.25, -0.5, 0.125, 1];
      const embedded = f.passage(archive.id, "embedded", vector, { tags: ["a", "b"], metadata: { k: 1 } });
      const plain = f.passage(archive.id, "text only", null);
      expect(ids(await store.passages.insert([embedded, plain]))).toEqual([embedded.id, plain.id]);
      const read = await store.passages.get(embedded.id);
      expect({ ...read, embedding: null }).toEqual({ ...embedded, embedding: null });
      expectVectorClose(read?.embedding, vector);
      expect(await store.passages.get(plain.id)).toEqual(plain);
      expect(await store.passages.get(f.id("passage"))).toBeUndefined();
      expect(await store.passages.insert([])).toEqual([]);
    });

    it("keeps passages of different dimensions apart, each searchable by a vector of its dimension", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const near3 = f.passage(archive.id, "three near", vectorNear(3, 0, 0.1));
      const far3 = f.passage(archive.id, "three far", vectorNear(3, 1, 0.1));
      const near5 = f.passage(archive.id, "five near", vectorNear(5, 3, 0.1));
      const far5 = f.passage(archive.id, "five far", vectorNear(5, 0, 0.1));
      await store.passages.insert([near3, far3, near5, far5, f.passage(archive.id, "no vector", null)]);

      const filter = { archive_ids: [archive.id] };
      const three = await store.passages.searchVector(filter, vectorNear(3, 0), 10);
      expect(three.map((hit) => hit.passage.id)).toEqual([near3.id, far3.id]);
      expect(three[0]?.distance).toBeLessThan(0.01);
      expect(three[0]?.distance).toBeLessThan(three[1]?.distance ?? 0);
      expectVectorClose(three[0]?.passage.embedding, near3.embedding ?? []);

      const five = await store.passages.searchVector(filter, vectorNear(5, 3), 10);
      expect(five.map((hit) => hit.passage.id)).toEqual([near5.id, far5.id]);
      expect(await store.passages.searchVector(filter, vectorNear(7, 0), 10)).toEqual([]);
      expect(await store.passages.searchVector({ archive_ids: [] }, vectorNear(3, 0), 10)).toEqual([]);
      expect(await store.passages.count([archive.id])).toBe(5);
    });

    it("moves a passage between dimension indexes when re-embedded", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const passage = f.passage(archive.id, "re-embed me", vectorNear(3, 0));
      await store.passages.insert([passage, f.passage(archive.id, "stays", vectorNear(3, 1))]);
      const config = { embedding_endpoint_type: "openai", embedding_model: "bigger", embedding_dim: 4 };
      await store.passages.setEmbedding(passage.id, vectorNear(4, 2), config);

      const filter = { archive_ids: [archive.id] };
      expect(
        (await store.passages.searchVector(filter, vectorNear(3, 0), 10)).map((hit) => hit.passage.text),
      ).toEqual(["stays"]);
      const four = await store.passages.searchVector(filter, vectorNear(4, 2), 10);
      expect(four.map((hit) => hit.passage.id)).toEqual([passage.id]);
      expect(four[0]?.passage.embedding_config).toEqual(config);
      expectVectorClose(four[0]?.passage.embedding, vectorNear(4, 2));

      await store.passages.setEmbedding(passage.id, null, null);
      expect(await store.passages.searchVector(filter, vectorNear(4, 2), 10)).toEqual([]);
      expect((await store.passages.get(passage.id))?.embedding).toBeNull();
    });

    it("applies tag filters (any and all) before the limit, in vector and text search", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const passages: Passage[] = [];
      // 40 untagged passages nearest to the query, then 10 tagged ones further away.
      for (let index = 0; index < 40; index++) {
        passages.push(f.passage(archive.id, `common note ${index}`, vectorNear(8, 0, index / 1000)));
      }
      for (let index = 0; index < 10; index++) {
        const tags = index < 6 ? ["x", "y"] : ["x"];
        passages.push(
          f.passage(archive.id, `common tagged note ${index}`, vectorNear(8, 4, index / 10), { tags }),
        );
      }
      await store.passages.insert(passages);
      const query = vectorNear(8, 0);

      const anyX = await store.passages.searchVector({ archive_ids: [archive.id], tags: ["x"] }, query, 5);
      expect(anyX).toHaveLength(5);
      expect(anyX.every((hit) => hit.passage.tags.includes("x"))).toBe(true);
      const anyYZ = await store.passages.searchVector(
        { archive_ids: [archive.id], tags: ["y", "z"], tag_match_mode: "any" },
        query,
        20,
      );
      expect(anyYZ).toHaveLength(6);
      const allXY = await store.passages.searchVector(
        { archive_ids: [archive.id], tags: ["x", "y"], tag_match_mode: "all" },
        query,
        20,
      );
      expect(allXY).toHaveLength(6);
      expect(allXY.every((hit) => hit.passage.tags.includes("y"))).toBe(true);
      const allXZ = await store.passages.searchVector(
        { archive_ids: [archive.id], tags: ["x", "z"], tag_match_mode: "all" },
        query,
        20,
      );
      expect(allXZ).toEqual([]);

      const text = await store.passages.searchText(
        { archive_ids: [archive.id], tags: ["x"] },
        "common note",
        5,
      );
      expect(text).toHaveLength(5);
      expect(text.every((hit) => hit.passage.tags.includes("x"))).toBe(true);
      expect(await store.passages.tags([archive.id])).toEqual(["x", "y"]);
    });

    it("matches tags exactly, whatever their characters or repetitions, and only in the searched archives", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const other = await store.archives.create(f.archive());
      const odd = ['say "hi"', "back\\slash", "{a,b}", "ünï 🙂"];
      const both = f.passage(archive.id, "tagged twice note", vectorNear(4, 0), {
        tags: [odd[0]!, odd[0]!, "x"],
      });
      const single = f.passage(archive.id, "tagged once note", vectorNear(4, 0, 0.1), {
        tags: [odd[1]!, odd[2]!],
      });
      const prefix = f.passage(archive.id, "prefix note", vectorNear(4, 0, 0.2), { tags: ["say"] });
      const elsewhere = f.passage(other.id, "elsewhere note", vectorNear(4, 0), { tags: [odd[0]!, "x"] });
      await store.passages.insert([both, single, prefix, elsewhere]);
      const found = (hits: ReadonlyArray<{ passage: Passage }>) => hits.map((hit) => hit.passage.id).sort();
      const search = async (tags: string[], mode: "any" | "all") => {
        const filter = { archive_ids: [archive.id], tags, tag_match_mode: mode };
        const vector = found(await store.passages.searchVector(filter, vectorNear(4, 0), 10));
        expect(found(await store.passages.searchText(filter, "note", 10))).toEqual(vector);
        return vector;
      };

      expect(await search([odd[0]!, odd[0]!, "x"], "all")).toEqual([both.id]);
      expect(await search([odd[0]!, "x", "x"], "any")).toEqual([both.id]);
      expect(await search([odd[1]!, odd[2]!], "all")).toEqual([single.id]);
      expect(await search([odd[2]!, odd[3]!], "any")).toEqual([single.id]);
      expect(await search([odd[3]!], "any")).toEqual([]);
      expect(await search(["x", odd[1]!], "all")).toEqual([]);
      expect(await search(["x", odd[1]!], "any")).toEqual([both.id, single.id].sort());
    });

    it("applies inclusive date ranges before the limit", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const passages = Array.from({ length: 10 }, (_, index) =>
        f.passage(archive.id, `diary entry ${index}`, vectorNear(3, 0, index / 100), {
          created_at: f.at(100 + index),
        }),
      );
      await store.passages.insert(passages);
      const filter = { archive_ids: [archive.id], start_date: f.at(103), end_date: f.at(106) };
      const expected = passages.slice(3, 7).map((passage) => passage.id);

      const vector = await store.passages.searchVector(filter, vectorNear(3, 0), 10);
      expect(vector.map((hit) => hit.passage.id).sort()).toEqual([...expected].sort());
      expect(vector.map((hit) => hit.passage.id)).toEqual(expected);
      const text = await store.passages.searchText(filter, "diary", 10);
      expect(text.map((hit) => hit.passage.id).sort()).toEqual([...expected].sort());
      const late = await store.passages.searchVector(
        { archive_ids: [archive.id], start_date: f.at(108) },
        [1, 0, 0],
        1,
      );
      expect(late).toHaveLength(1);
    });

    it("text search ranks the passage with the rare keyword first and tolerates any input", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const other = await store.archives.create(f.archive());
      const garden = Array.from({ length: 10 }, (_, index) =>
        f.passage(archive.id, `notes about the garden, day ${index}`, null),
      );
      const rare = f.passage(archive.id, "notes about the garden and a quokka", null);
      await store.passages.insert([...garden, rare, f.passage(other.id, "quokka elsewhere", null)]);

      const hits = await store.passages.searchText({ archive_ids: [archive.id] }, "garden quokka", 3);
      expect(hits).toHaveLength(3);
      expect(hits[0]?.passage.id).toBe(rare.id);
      expect(hits[0]?.rank).toBeGreaterThan(0);
      expect(hits[0]?.rank).toBeGreaterThan(hits[1]?.rank ?? Number.POSITIVE_INFINITY);
      const both = await store.passages.searchText({ archive_ids: [archive.id, other.id] }, "Quokka!", 10);
      expect(both).toHaveLength(2);
      for (const hostile of ['"', "garden AND (", "quokka*", "-", "col:value", "a' OR 1=1 --"]) {
        await expect(
          store.passages.searchText({ archive_ids: [archive.id] }, hostile, 5),
        ).resolves.toBeInstanceOf(Array);
      }
    });

    it("lists with paging and substring search, counts, and deletes", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const inserted = await store.passages.insert([
        f.passage(archive.id, "Alpha fact", [1, 0]),
        f.passage(archive.id, "beta fact", [0, 1]),
        f.passage(archive.id, "gamma FACT", null),
        f.passage(archive.id, "deleted fact", null, { is_deleted: true }),
      ]);
      const [alpha, beta, gamma] = ids(inserted);
      expect(ids(await store.passages.list({ archive_ids: [archive.id] }))).toEqual([gamma, beta, alpha]);
      expect(ids(await store.passages.list({ archive_ids: [archive.id], order: "asc", limit: 2 }))).toEqual([
        alpha,
        beta,
      ]);
      expect(
        ids(await store.passages.list({ archive_ids: [archive.id], order: "asc", after: beta })),
      ).toEqual([gamma]);
      expect(ids(await store.passages.list({ archive_ids: [archive.id], search: "ALPHA" }))).toEqual([alpha]);
      expect(await store.passages.list({ archive_ids: [] })).toEqual([]);
      expect(
        ids(await store.passages.list({ archive_ids: [archive.id], after: f.id("passage") })),
      ).toHaveLength(3);
      expect(await store.passages.count([archive.id])).toBe(3);

      expect(await store.passages.delete(beta ?? "")).toBe(true);
      expect(await store.passages.delete(beta ?? "")).toBe(false);
      expect(await store.passages.get(beta ?? "")).toBeUndefined();
      const hits = await store.passages.searchVector({ archive_ids: [archive.id] }, [0, 1], 5);
      expect(hits.map((hit) => hit.passage.id)).toEqual([alpha]);
      expect((await store.passages.searchText({ archive_ids: [archive.id] }, "beta", 5)).length).toBe(0);
    });

    it("keeps soft-deleted passages and other archives out of searches of an archive holding the rest", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      // One archive holds every passage (SQLite then searches without the archive filter), until one
      // is soft-deleted or another archive gets a passage.
      const [near, far] = ids(
        await store.passages.insert([
          f.passage(archive.id, "wombat burrow", [1, 0]),
          f.passage(archive.id, "wombat diet", [0, 1]),
        ]),
      );
      const vectorIds = async () =>
        ids(
          (await store.passages.searchVector({ archive_ids: [archive.id] }, [1, 0.1], 5)).map(
            (hit) => hit.passage,
          ),
        );
      const textIds = async () =>
        ids(
          (await store.passages.searchText({ archive_ids: [archive.id] }, "wombat", 5)).map(
            (hit) => hit.passage,
          ),
        );
      expect(await vectorIds()).toEqual([near, far]);
      expect((await textIds()).sort()).toEqual([near, far].sort());

      await store.passages.insert([f.passage(archive.id, "wombat gone", [1, 0], { is_deleted: true })]);
      expect(await vectorIds()).toEqual([near, far]);
      expect((await textIds()).sort()).toEqual([near, far].sort());

      const other = await store.archives.create(f.archive());
      await store.passages.insert([f.passage(other.id, "wombat elsewhere", [1, 0])]);
      await store.passages.delete(far ?? "");
      expect(await vectorIds()).toEqual([near]);
      expect(await textIds()).toEqual([near]);
    });

    it("searches the passages of folders and files with those of archives, vectors left out on request", async () => {
      const { store, f } = context;
      const archive = await store.archives.create(f.archive());
      const sourceId = f.id("source");
      const fileId = f.id("file");
      const [inArchive, inSource, inFile, elsewhere] = [
        f.passage(archive.id, "kiwi in the archive", [1, 0]),
        f.passage("", "kiwi in a folder", [0.9, 0.1], { archive_id: null, source_id: sourceId }),
        f.passage("", "kiwi in a file", [0.8, 0.2], {
          archive_id: null,
          source_id: f.id("source"),
          file_id: fileId,
        }),
        f.passage("", "kiwi nowhere", [1, 0], { archive_id: null }),
      ];
      await store.passages.insert([inArchive!, inSource!, inFile!, elsewhere!]);
      const bySource = await store.passages.searchText(
        { archive_ids: [], source_ids: [sourceId] },
        "kiwi",
        10,
      );
      expect(bySource.map((hit) => hit.passage.id)).toEqual([inSource!.id]);
      const all = await store.passages.searchVector(
        { archive_ids: [archive.id], source_ids: [sourceId], file_ids: [fileId] },
        [1, 0],
        10,
        { withEmbeddings: false },
      );
      expect(all.map((hit) => hit.passage.id)).toEqual([inArchive!.id, inSource!.id, inFile!.id]);
      expect(all.every((hit) => hit.passage.embedding === null)).toBe(true);
      expectVectorClose(
        (await store.passages.searchVector({ archive_ids: [archive.id] }, [1, 0], 1))[0]?.passage.embedding,
        [1, 0],
      );
      expect(
        await store.passages.searchText({ archive_ids: [], source_ids: [], file_ids: [] }, "kiwi", 10),
      ).toEqual([]);
    });
  });
}
