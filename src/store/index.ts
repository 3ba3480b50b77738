export { openPostgresStore } from "./postgres/open.js";
export { openSqliteStore } from "./sqlite/open.js";
export type * from "./store.js";
