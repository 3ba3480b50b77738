import type { Expression, ExpressionBuilder, Insertable, SqlBool } from "kysely";
import type { Passage } from "../../domain/index.js";
import type { PassageFilter, PassageListQuery, PassageRepository, PassageSearchOptions } from "../store.js";
import { currentOrganization } from "../tenancy.js";
import type { PassageVectorRef, PassageWhere, SqlDb } from "./dialect.js";
import { byCreation, listPage } from "./paging.js";
import { type ColumnKinds, decodeColumns, encodeColumns } from "./row-codec.js";
import { matchesNothing, nowIso, type SqlContext, toCount } from "./sql-context.js";
import type { Database, PassagesTable } from "./tables.js";
import { withTransaction } from "./with-transaction.js";

const PASSAGE_COLUMNS: ColumnKinds = {
  id: "plain",
  text: "plain",
  archive_id: "plain",
  source_id: "plain",
  file_id: "plain",
  file_name: "plain",
  tags: "json",
  metadata: "json",
  embedding_config: "json",
  is_deleted: "bool",
  created_by_id: "plain",
  last_updated_by_id: "plain",
  created_at: "timestamp",
  updated_at: "timestamp",
};

/** Rows per multi-row insert: well under every dialect's bound-parameter limit. */
const INSERT_CHUNK = 100;

type PassageRow = Record<string, unknown> & { rowid: unknown; embedding_dim: unknown };

/**
 * Archival memory. Vectors live in the dialect's per-dimension indexes keyed by `passages.rowid`;
 * `passage_tags` mirrors each passage's tags so tag filters run in SQL before any limit.
 */
export function createPassageRepository(context: SqlContext): PassageRepository {
  const { db, dialect } = context;

  const vectorRef = (row: PassageRow): PassageVectorRef | undefined =>
    row.embedding_dim === null || row.embedding_dim === undefined
      ? undefined
      : { rowid: Number(row.rowid), dim: Number(row.embedding_dim) };

  /** Decodes rows and attaches their vectors, read in one batch per dimension. */
  async function hydrate(handle: SqlDb, rows: readonly PassageRow[]): Promise<Passage[]> {
    const refs = rows.flatMap((row) => vectorRef(row) ?? []);
    const vectors =
      refs.length > 0 ? await dialect.readPassageVectors(handle, refs) : new Map<number, number[]>();
    return rows.map((row) => ({
      ...(decodeColumns(PASSAGE_COLUMNS, row, dialect) as Omit<Passage, "embedding">),
      embedding: vectors.get(Number(row.rowid)) ?? null,
    }));
  }

  /** Loads passages by rowid in the order given (search results). */
  async function loadInOrder(
    rowids: readonly number[],
    options: PassageSearchOptions = {},
  ): Promise<Map<number, Passage>> {
    if (rowids.length === 0) return new Map();
    const rows = (await db
      .selectFrom("passages")
      .selectAll()
      .where("rowid", "in", [...rowids])
      .where("organization_id", "=", currentOrganization())
      .execute()) as PassageRow[];
    const passages =
      options.withEmbeddings === false
        ? rows.map((row) => ({
            ...(decodeColumns(PASSAGE_COLUMNS, row, dialect) as Omit<Passage, "embedding">),
            embedding: null,
          }))
        : await hydrate(db, rows);
    return new Map(rows.map((row, index) => [Number(row.rowid), passages[index] as Passage]));
  }

  async function removeVectorsAndTags(tx: SqlDb, rows: readonly PassageRow[]): Promise<void> {
    const refs = rows.flatMap((row) => vectorRef(row) ?? []);
    if (refs.length > 0) await dialect.deletePassageVectors(tx, refs);
    const ids = rows.map((row) => String(row.id));
    if (ids.length > 0) await tx.deleteFrom("passage_tags").where("passage_id", "in", ids).execute();
  }

  return {
    async insert(passages) {
      if (passages.length === 0) return [];
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        for (let start = 0; start < passages.length; start += INSERT_CHUNK) {
          const chunk = passages.slice(start, start + INSERT_CHUNK);
          const rows = await tx
            .insertInto("passages")
            .values(
              chunk.map(
                (passage) =>
                  ({
                    ...encodeColumns(PASSAGE_COLUMNS, passage, dialect),
                    organization_id: organization,
                    embedding_dim:
                      passage.embedding === null || passage.embedding.length === 0
                        ? null
                        : passage.embedding.length,
                  }) as Insertable<PassagesTable>,
              ),
            )
            .returning(["rowid", "id"])
            .execute();
          const rowidOf = new Map(rows.map((row) => [row.id, Number(row.rowid)]));
          const tagRows = chunk.flatMap((passage) =>
            [...new Set(passage.tags)].map((tag) => ({
              passage_id: passage.id,
              archive_id: passage.archive_id,
              tag,
            })),
          );
          if (tagRows.length > 0) await tx.insertInto("passage_tags").values(tagRows).execute();
          const vectors = chunk.flatMap((passage) =>
            passage.embedding === null || passage.embedding.length === 0
              ? []
              : [{ rowid: rowidOf.get(passage.id) as number, vector: passage.embedding }],
          );
          if (vectors.length > 0) await dialect.writePassageVectors(tx, vectors);
        }
      });
      return [...passages];
    },

    async get(id) {
      const row = (await db
        .selectFrom("passages")
        .selectAll()
        .where("id", "=", id)
        .where("organization_id", "=", currentOrganization())
        .executeTakeFirst()) as PassageRow | undefined;
      return row === undefined ? undefined : (await hydrate(db, [row]))[0];
    },

    async list(query: PassageListQuery) {
      if (query.archive_ids.length === 0) return [];
      let select = db
        .selectFrom("passages")
        .selectAll("passages")
        .where("passages.archive_id", "in", [...query.archive_ids])
        .where("passages.organization_id", "=", currentOrganization())
        .where("passages.is_deleted", "=", dialect.encodeBool(false));
      if (query.search) {
        const text = query.search;
        select = select.where((eb) => dialect.containsInsensitive(eb.ref("passages.text"), text));
      }
      const paged = await listPage(db, select, query, byCreation("passages"));
      return hydrate(db, paged as PassageRow[]);
    },

    async count(archiveIds) {
      if (archiveIds.length === 0) return 0;
      const row = await db
        .selectFrom("passages")
        .select((eb) => eb.fn.countAll().as("count"))
        .where("archive_id", "in", [...archiveIds])
        .where("organization_id", "=", currentOrganization())
        .where("is_deleted", "=", dialect.encodeBool(false))
        .executeTakeFirst();
      return toCount(row?.count);
    },

    async tags(archiveIds) {
      if (archiveIds.length === 0) return [];
      const rows = await db
        .selectFrom("passage_tags")
        .select("tag")
        .distinct()
        .where("archive_id", "in", (eb) =>
          eb
            .selectFrom("archives")
            .select("archives.id")
            .where("archives.id", "in", [...archiveIds])
            .where("archives.organization_id", "=", currentOrganization()),
        )
        .orderBy("tag")
        .execute();
      return rows.map((row) => row.tag);
    },

    async delete(id) {
      const organization = currentOrganization();
      return withTransaction(db, async (tx) => {
        const row = (await tx
          .selectFrom("passages")
          .selectAll()
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst()) as PassageRow | undefined;
        if (row === undefined) return false;
        await removeVectorsAndTags(tx, [row]);
        await tx.deleteFrom("passages").where("id", "=", id).execute();
        return true;
      });
    },

    async setEmbedding(id, embedding, config) {
      const organization = currentOrganization();
      await withTransaction(db, async (tx) => {
        const row = (await tx
          .selectFrom("passages")
          .selectAll()
          .where("id", "=", id)
          .where("organization_id", "=", organization)
          .executeTakeFirst()) as PassageRow | undefined;
        if (row === undefined) return;
        const old = vectorRef(row);
        if (old !== undefined) await dialect.deletePassageVectors(tx, [old]);
        const vector = embedding !== null && embedding.length > 0 ? embedding : null;
        await tx
          .updateTable("passages")
          .set({
            embedding_dim: vector === null ? null : vector.length,
            embedding_config: config === null ? null : dialect.encodeJson(config),
            updated_at: dialect.encodeTimestamp(nowIso(context)),
          })
          .where("id", "=", id)
          .execute();
        if (vector !== null) await dialect.writePassageVectors(tx, [{ rowid: Number(row.rowid), vector }]);
      });
    },

    async searchVector(filter, vector, limit, options) {
      if (emptyScope(filter) || vector.length === 0 || limit <= 0) return [];
      const hits = await dialect.searchPassageVectors(db, {
        where: passageWhere(filter),
        vector,
        limit,
        filter,
      });
      const passages = await loadInOrder(
        hits.map((hit) => Number(hit.rowid)),
        options,
      );
      return hits.flatMap((hit) => {
        const passage = passages.get(Number(hit.rowid));
        return passage === undefined ? [] : [{ passage, distance: Number(hit.distance) }];
      });
    },

    async searchText(filter, query, limit, options) {
      if (emptyScope(filter) || limit <= 0) return [];
      const hits = await dialect.searchPassageText(db, { where: passageWhere(filter), query, limit, filter });
      const passages = await loadInOrder(
        hits.map((hit) => Number(hit.rowid)),
        options,
      );
      return hits.flatMap((hit) => {
        const passage = passages.get(Number(hit.rowid));
        return passage === undefined ? [] : [{ passage, rank: Number(hit.rank) }];
      });
    },
  };

  /** The filter as a condition on `passages`: archives, live rows, tags any/all, inclusive date range. */
  function passageWhere(filter: PassageFilter): PassageWhere {
    return (eb: ExpressionBuilder<Database, "passages">) => {
      const scope = [
        ...(filter.archive_ids.length > 0 ? [eb("passages.archive_id", "in", [...filter.archive_ids])] : []),
        ...(filter.source_ids?.length ? [eb("passages.source_id", "in", [...filter.source_ids])] : []),
        ...(filter.file_ids?.length ? [eb("passages.file_id", "in", [...filter.file_ids])] : []),
      ];
      const tests: Expression<SqlBool>[] = [
        scope.length === 0 ? matchesNothing : scope.length === 1 ? scope[0]! : eb.or(scope),
        eb("passages.is_deleted", "=", dialect.encodeBool(false)),
        eb("passages.organization_id", "=", currentOrganization()),
      ];
      const tags = [...new Set(filter.tags ?? [])];
      const mode = filter.tag_match_mode === "all" ? "all" : "any";
      const onColumn =
        tags.length > 0 ? dialect.passageTagsMatch(eb.ref("passages.tags"), tags, mode) : undefined;
      if (onColumn !== undefined) {
        tests.push(onColumn);
      } else if (tags.length > 0) {
        // Through `passage_tags` (SQLite). `all`: the passages having every tag, as a set computed
        // once; a count per candidate row (a correlated subquery) made filtered searches of 100k
        // passages take hundreds of ms. `any` is a cheap existence probe per row.
        let tagged = eb
          .selectFrom("passage_tags")
          .select("passage_tags.passage_id")
          .where("passage_tags.tag", "in", tags);
        // Within archives only, the (archive_id, tag) index narrows the set to the searched archives.
        if (!filter.source_ids?.length && !filter.file_ids?.length && filter.archive_ids.length > 0) {
          tagged = tagged.where("passage_tags.archive_id", "in", [...filter.archive_ids]);
        }
        tests.push(
          mode === "all"
            ? eb(
                "passages.id",
                "in",
                tagged
                  .groupBy("passage_tags.passage_id")
                  .having((inner) => inner.fn.countAll(), "=", tags.length),
              )
            : eb.exists(
                eb
                  .selectFrom("passage_tags")
                  .select("passage_tags.passage_id")
                  .whereRef("passage_tags.passage_id", "=", "passages.id")
                  .where("passage_tags.tag", "in", tags),
              ),
        );
      }
      if (filter.start_date !== undefined) {
        tests.push(eb("passages.created_at", ">=", dialect.encodeTimestamp(filter.start_date)));
      }
      if (filter.end_date !== undefined) {
        tests.push(eb("passages.created_at", "<=", dialect.encodeTimestamp(filter.end_date)));
      }
      return eb.and(tests);
    };
  }
}

/** True when the filter names no archive, folder or file: it matches nothing. */
function emptyScope(filter: PassageFilter): boolean {
  return filter.archive_ids.length === 0 && !filter.source_ids?.length && !filter.file_ids?.length;
}

/** Deletes every passage of the given archives with their vectors and tags (archive deletion). */
export async function deleteArchivePassages(
  context: SqlContext,
  tx: SqlDb,
  archiveIds: readonly string[],
): Promise<void> {
  if (archiveIds.length === 0) return;
  const rows = await tx
    .selectFrom("passages")
    .select(["rowid", "embedding_dim"])
    .where("archive_id", "in", [...archiveIds])
    .execute();
  const refs = rows.flatMap((row) =>
    row.embedding_dim === null ? [] : [{ rowid: Number(row.rowid), dim: Number(row.embedding_dim) }],
  );
  if (refs.length > 0) await context.dialect.deletePassageVectors(tx, refs);
  await tx
    .deleteFrom("passage_tags")
    .where("archive_id", "in", [...archiveIds])
    .execute();
  await tx
    .deleteFrom("passages")
    .where("archive_id", "in", [...archiveIds])
    .execute();
}
