export { createPostgresDialect } from "./dialect.js";
export { migratePostgres } from "./migrate.js";
export { type PostgresMigration, postgresMigrations } from "./migrations.js";
export { openPostgresStore, type PostgresStoreOptions } from "./open.js";
