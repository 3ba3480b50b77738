import type { SqlDialect } from "./dialect.js";

/** How a column is encoded: through the dialect's codecs, normalised to a number, or stored as is. */
export type ColumnKind = "json" | "bool" | "timestamp" | "number" | "plain";

/** The encoding of each column of a table whose columns have the entity's field names. */
export type ColumnKinds = Readonly<Record<string, ColumnKind>>;

/** Encodes the defined fields of an entity (or a patch) into column values; unknown fields are dropped. */
export function encodeColumns(
  kinds: ColumnKinds,
  values: Readonly<Record<string, unknown>>,
  dialect: SqlDialect,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(values)) {
    const kind = kinds[column];
    if (kind === undefined || value === undefined) continue;
    row[column] = encodeValue(kind, value, dialect);
  }
  return row;
}

/** Decodes the columns named in `kinds` from a row read by the driver. */
export function decodeColumns(
  kinds: ColumnKinds,
  row: Readonly<Record<string, unknown>>,
  dialect: SqlDialect,
): Record<string, unknown> {
  const entity: Record<string, unknown> = {};
  for (const [column, kind] of Object.entries(kinds)) {
    entity[column] = decodeValue(kind, row[column], dialect);
  }
  return entity;
}

function encodeValue(kind: ColumnKind, value: unknown, dialect: SqlDialect): unknown {
  if (value === null) return null;
  switch (kind) {
    case "json":
      return dialect.encodeJson(value);
    case "bool":
      return dialect.encodeBool(Boolean(value));
    case "timestamp":
      return dialect.encodeTimestamp(String(value));
    case "number":
    case "plain":
      return value;
  }
}

function decodeValue(kind: ColumnKind, raw: unknown, dialect: SqlDialect): unknown {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case "json":
      return dialect.decodeJson(raw);
    case "bool":
      return dialect.decodeBool(raw);
    case "timestamp":
      return dialect.decodeTimestamp(raw);
    case "number":
      return Number(raw);
    case "plain":
      return raw;
  }
}

/** The patch without its undefined fields, so spreading it over an entity never blanks a value. */
export function definedFields<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}
