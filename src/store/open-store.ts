import { join } from "node:path";
import { reverieHome } from "../domain/home.js";
import type { Store } from "./store.js";

export { reverieHome };

/** Whether a database URL names a PostgreSQL server (otherwise it is a SQLite file path). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Where the store lives: `REVERIE_DATABASE_URL`, else `$REVERIE_HOME/reverie.db` (home `~/.reverie`). */
export function databaseUrlFromEnv(env: Record<string, string | undefined>): string {
  const explicit = env.REVERIE_DATABASE_URL?.trim();
  if (explicit) return explicit;
  return join(reverieHome(env), "reverie.db");
}

/**
 * Opens the store a URL names: `postgres://…` opens the PostgreSQL adapter, anything else is a SQLite
 * file path (an optional `sqlite:` prefix is accepted). Adapters load lazily, so a SQLite start never
 * loads the PostgreSQL driver.
 */
export async function openStore(url: string): Promise<Store> {
  if (isPostgresUrl(url)) {
    const { openPostgresStore } = await import("./postgres/open.js");
    return openPostgresStore({ url });
  }
  const { openSqliteStore } = await import("./sqlite/open.js");
  return openSqliteStore({ path: url.replace(/^sqlite:(\/\/)?/i, ""), checkpointInBackground: true });
}
