import { randomUUID } from "node:crypto";
import { type CompiledQuery, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Archive, Passage } from "../../src/domain/index.js";
import { createPostgresDialect } from "../../src/store/postgres/dialect.js";
import { migratePostgres } from "../../src/store/postgres/migrate.js";
import { postgresMigrations } from "../../src/store/postgres/migrations.js";
import { openPostgresStore } from "../../src/store/postgres/open.js";
import { createPool } from "../../src/store/postgres/pool.js";
import { hnswIndexName } from "../../src/store/postgres/vector-index.js";
import type { Database } from "../../src/store/sql/tables.js";
import type { Store } from "../../src/store/store.js";
import { describeStoreContract } from "./contract.js";

const url = process.env.REVERIE_TEST_POSTGRES_URL;

/** Schemas this run created; all dropped at the end (those of contract stores already on close). */
const schemas: string[] = [];
let admin: pg.Pool | undefined;

function freshSchemaName(): string {
  const name = `reverie_test_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
  schemas.push(name);
  return name;
}

/** Opens a store in a new schema of its own, which its `close` drops. */
async function openFresh(): Promise<Store> {
  const schema = freshSchemaName();
  const store = await openPostgresStore({ url: url!, schema });
  return {
    ...store,
    async close() {
      await store.close();
      await dropSchema(schema);
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

beforeAll(() => {
  if (url) admin = new pg.Pool({ connectionString: url, max: 2 });
});

afterAll(async () => {
  if (!admin) return;
  for (const schema of schemas.splice(0)) await dropSchema(schema);
  await admin.end();
});

describe.skipIf(!url)("postgres store", () => {
  describeStoreContract("postgres", openFresh);

  describe("migrations", () => {
    it("are applied once and recorded by name", async () => {
      const schema = freshSchemaName();
      const store = await openPostgresStore({ url: url!, schema });
      await store.close();
      const reopened = await openPostgresStore({ url: url!, schema });
      await reopened.close();

      const { rows } = await admin!.query<{ name: string }>(
        `SELECT name FROM "${schema}".reverie_migrations ORDER BY name`,
      );
      expect(rows.map((row) => row.name)).toEqual(postgresMigrations.map((migration) => migration.name));

      const db = kyselyFor(schema);
      try {
        expect(await migratePostgres(db, { schema })).toEqual([]);
      } finally {
        await db.destroy();
      }
    });

    it("let two processes open the same new schema at once", async () => {
      const schema = freshSchemaName();
      const stores = await Promise.all([
        openPostgresStore({ url: url!, schema }),
        openPostgresStore({ url: url!, schema }),
      ]);
      try {
        const { rows } = await admin!.query<{ count: string }>(
          `SELECT count(*) AS count FROM "${schema}".reverie_migrations`,
        );
        expect(Number(rows[0]?.count)).toBe(postgresMigrations.length);
        // Both stores work on the one schema.
        const archive = await stores[0]!.archives.create(newArchive("shared"));
        expect(await stores[1]!.archives.get(archive.id)).toMatchObject({ name: "shared" });
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it("keep a schema's tables apart from another schema's", async () => {
      const first = await openFresh();
      const second = await openFresh();
      try {
        const archive = await first.archives.create(newArchive("only-in-first"));
        expect(await second.archives.get(archive.id)).toBeUndefined();
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });
  });

  describe("vector indexes", () => {
    it("create an HNSW index per dimension on first use, which searches use", async () => {
      const schema = freshSchemaName();
      const store = await openPostgresStore({ url: url!, schema });
      try {
        const archive = await store.archives.create(newArchive("dims"));
        await store.passages.insert([
          newPassage(archive.id, "eight dims", unitVector(8, 1)),
          newPassage(archive.id, "five dims", unitVector(5, 2)),
          newPassage(archive.id, "no vector", null),
        ]);
        const { rows } = await admin!.query<{ indexname: string }>(
          "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'passages_embedding_hnsw_%'",
          [schema],
        );
        expect(rows.map((row) => row.indexname).sort()).toEqual([hnswIndexName(5), hnswIndexName(8)].sort());

        const hits = await store.passages.searchVector({ archive_ids: [archive.id] }, unitVector(8, 1), 5);
        expect(hits.map((hit) => hit.passage.text)).toEqual(["eight dims"]);
      } finally {
        await store.close();
      }

      const plan = await explainVectorSearch(schema, 8);
      expect(plan).toContain(hnswIndexName(8));
    });

    it("let concurrent writers bring in a new dimension at once without failing", async () => {
      const schema = freshSchemaName();
      const stores = await Promise.all([
        openPostgresStore({ url: url!, schema }),
        openPostgresStore({ url: url!, schema }),
      ]);
      try {
        const archive = await stores[0]!.archives.create(newArchive("concurrent"));
        for (const dim of [6, 7, 9, 10, 11]) {
          await Promise.all(
            stores.flatMap((store, i) =>
              [0, 1].map((j) =>
                store.passages.insert([
                  newPassage(archive.id, `dim ${dim} writer ${i}.${j}`, unitVector(dim, j)),
                ]),
              ),
            ),
          );
          expect(
            await stores[1]!.passages.searchVector({ archive_ids: [archive.id] }, unitVector(dim, 0), 10),
          ).toHaveLength(4);
        }
        const { rows } = await admin!.query<{ count: string }>(
          "SELECT count(*) AS count FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'passages_embedding_hnsw_%'",
          [schema],
        );
        expect(Number(rows[0]?.count)).toBe(5);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    it("index dimensions past pgvector's 2000-dimension HNSW limit as halfvec, still searchable", async () => {
      const schema = freshSchemaName();
      const store = await openPostgresStore({ url: url!, schema });
      const dim = 3072;
      try {
        const archive = await store.archives.create(newArchive("large"));
        await store.passages.insert([
          newPassage(archive.id, "first axis", unitVector(dim, 1)),
          newPassage(archive.id, "second axis", unitVector(dim, 2)),
        ]);
        const { rows } = await admin!.query<{ indexdef: string }>(
          "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2",
          [schema, hnswIndexName(dim)],
        );
        expect(rows[0]?.indexdef).toContain(`halfvec(${dim})`);

        const hits = await store.passages.searchVector({ archive_ids: [archive.id] }, unitVector(dim, 2), 2);
        expect(hits.map((hit) => hit.passage.text)).toEqual(["second axis", "first axis"]);
        expect(hits[0]?.distance).toBeCloseTo(0, 6);
        expect(hits[0]?.passage.embedding).toEqual(unitVector(dim, 2));
      } finally {
        await store.close();
      }
    });

    it("fill the limit when filters reject most of the index's nearest rows", async () => {
      const schema = freshSchemaName();
      const store = await openPostgresStore({ url: url!, schema });
      const dim = 16;
      try {
        const crowd = await store.archives.create(newArchive("crowd"));
        const few = await store.archives.create(newArchive("few"));
        const query = unitVector(dim, 0);
        // 400 passages right next to the query in one archive, 12 far from it in the other.
        await store.passages.insert(
          Array.from({ length: 400 }, (_, i) => newPassage(crowd.id, `near ${i}`, jitter(query, i, 0.01))),
        );
        await store.passages.insert(
          Array.from({ length: 12 }, (_, i) =>
            newPassage(few.id, `far ${i}`, jitter(unitVector(dim, 7), i, 0.3)),
          ),
        );
        await admin!.query(`ANALYZE "${schema}".passages`);

        const hits = await store.passages.searchVector({ archive_ids: [few.id] }, query, 10);
        expect(hits).toHaveLength(10);
        expect(hits.every((hit) => hit.passage.archive_id === few.id)).toBe(true);
        const distances = hits.map((hit) => hit.distance);
        expect(distances).toEqual([...distances].sort((a, b) => a - b));
      } finally {
        await store.close();
      }
    });
  });

  describe("jobs", () => {
    it("never hand one job to two claimers on separate pools", async () => {
      const schema = freshSchemaName();
      const stores = await Promise.all([
        openPostgresStore({ url: url!, schema }),
        openPostgresStore({ url: url!, schema }),
      ]);
      try {
        const now = new Date().toISOString();
        const total = 60;
        for (let i = 0; i < total; i++) {
          await stores[0]!.jobs.enqueue({ id: `job-${randomUUID()}`, now, kind: "work", payload: { i } });
        }
        const claimedBy = new Map<string, string>();
        const duplicates: string[] = [];
        const claimer = async (store: Store, owner: string) => {
          for (;;) {
            const jobs = await store.jobs.claim({ owner, kinds: ["work"], now, leaseMs: 60_000, limit: 3 });
            if (jobs.length === 0) return;
            for (const job of jobs) {
              if (claimedBy.has(job.id)) duplicates.push(job.id);
              claimedBy.set(job.id, owner);
            }
          }
        };
        await Promise.all(["a", "b", "c", "d"].map((owner, i) => claimer(stores[i % 2]!, `worker-${owner}`)));
        expect(duplicates).toEqual([]);
        expect(claimedBy.size).toBe(total);
        const owners = new Set(claimedBy.values());
        expect(owners.size).toBeGreaterThan(1);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });
  });
});

function kyselyFor(schema: string): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool({ url: url!, schema }) }) });
}

/**
 * EXPLAINs the SQL the dialect really runs for a vector search of `dim` dimensions, with sequential
 * scans disabled (the test tables are too small for the planner to prefer an index otherwise).
 */
async function explainVectorSearch(schema: string, dim: number): Promise<string> {
  const captured: CompiledQuery[] = [];
  const pool = createPool({ url: url!, schema });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === "query") captured.push(event.query);
    },
  });
  try {
    await createPostgresDialect({ schema }).searchPassageVectors(db, {
      where: (eb) => eb("passages.is_deleted", "=", false),
      vector: unitVector(dim, 1),
      limit: 3,
    });
    const search = captured.find((query) => query.sql.includes("<=>"));
    if (!search) throw new Error("no vector search query was run");
    return await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const result = await tx.executeQuery<{ "QUERY PLAN": string }>({
        ...search,
        sql: `EXPLAIN ${search.sql}`,
      });
      return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
  } finally {
    await db.destroy();
  }
}

function newArchive(name: string): Archive {
  const now = new Date().toISOString();
  return {
    id: `archive-${randomUUID()}`,
    name,
    description: null,
    embedding_config: null,
    vector_db_provider: "native",
    metadata: null,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: now,
    updated_at: now,
  };
}

function newPassage(archiveId: string, text: string, embedding: number[] | null): Passage {
  const now = new Date().toISOString();
  return {
    id: `passage-${randomUUID()}`,
    text,
    archive_id: archiveId,
    source_id: null,
    file_id: null,
    file_name: null,
    tags: [],
    metadata: null,
    embedding,
    embedding_config: null,
    is_deleted: false,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: now,
    updated_at: now,
  };
}

function unitVector(dim: number, axis: number): number[] {
  return Array.from({ length: dim }, (_, i) => (i === axis % dim ? 1 : 0));
}

/** `vector` nudged deterministically by up to `amount` per component. */
function jitter(vector: readonly number[], seed: number, amount: number): number[] {
  return vector.map((value, i) => value + amount * Math.sin(seed * 7.13 + i * 1.7));
}
