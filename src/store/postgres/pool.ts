import pg from "pg";
import { ReverieError } from "../../domain/errors.js";

const INT8_OID = 20;
/** A schema name we are willing to splice into `search_path`: a plain identifier. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Type parsers of the pool: `int8` (sequence ids, row ids, counts) as a number rather than a string.
 * Values past 2^53 do not occur here (they would be 9e15 rows). TIMESTAMPTZ stays a `Date`; the dialect's
 * codec turns it into the ISO string the domain uses. Scoped to the pool, not set globally.
 */
const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** Checks a schema name before it goes into connection options and DDL. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ReverieError("invalid_argument", `invalid PostgreSQL schema name: ${JSON.stringify(schema)}`);
  }
  return schema;
}

/**
 * A pool whose every connection parses `int8` as a number and, with `schema`, resolves names in that
 * schema first and then in `public` (where the `vector` extension lives).
 */
export function createPool(options: {
  url: string;
  schema?: string | undefined;
  max?: number | undefined;
}): pg.Pool {
  const config: pg.PoolConfig = { connectionString: options.url, types: poolTypes };
  if (options.max !== undefined) config.max = options.max;
  if (options.schema !== undefined) {
    const searchPath = `-c search_path="${checkSchemaName(options.schema)}",public`;
    // node-postgres lets an `options` parameter of the URL override the config's: fold it in instead.
    const { url, options: urlOptions } = takeUrlOptions(options.url);
    config.connectionString = url;
    config.options = urlOptions === undefined ? searchPath : `${urlOptions} ${searchPath}`;
  }
  const pool = new pg.Pool(config);
  // An idle connection that dies (server restart, network) is dropped by the pool; without a listener
  // the 'error' event would crash the process.
  pool.on("error", () => {});
  return pool;
}

/** Splits the `options` query parameter off a connection URL (left as is if it is not a parsable URL). */
function takeUrlOptions(url: string): { url: string; options: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, options: undefined };
  }
  const options = parsed.searchParams.get("options");
  if (options === null) return { url, options: undefined };
  parsed.searchParams.delete("options");
  return { url: parsed.toString(), options };
}
