import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "./agent-turns.js";
import { createTestDatabase, type TestStoreKind } from "./postgres-schema.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";

/** One JSON call to a server process. */
export async function callServer(server: ServerProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as JsonBody };
}

/** What a crash suite works with: the fake model, the database the servers share, a server starter. */
export interface CrashHarness {
  readonly openai: FakeLlmServer;
  readonly databaseUrl: string;
  start(): Promise<ServerProcess>;
}

/**
 * Registers the hooks of a suite that kills real server processes: one fake OpenAI server for the
 * suite; per test a fresh home and database (SQLite file or a new PostgreSQL database), and every
 * server started killed with SIGKILL afterwards.
 */
export function useCrashHarness(storeKind: TestStoreKind, prefix: string): CrashHarness {
  let openai: FakeLlmServer | undefined;
  let home = "";
  let databaseUrl = "";
  let dropDatabase: (() => Promise<void>) | undefined;
  let servers: ServerProcess[] = [];
  let env: Record<string, string> = {};

  beforeAll(async () => {
    const server = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    openai = server;
    return () => server.close();
  });
  beforeEach(async () => {
    openai?.reset();
    servers = [];
    home = mkdtempSync(join(tmpdir(), prefix));
    env = { REVERIE_HOME: home, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: openai?.url ?? "" };
    if (storeKind === "postgres") {
      const database = await createTestDatabase();
      databaseUrl = database.url;
      dropDatabase = database.drop;
      env.REVERIE_DATABASE_URL = databaseUrl;
    } else {
      databaseUrl = join(home, "reverie.db");
      dropDatabase = undefined;
    }
  });
  afterEach(async () => {
    for (const server of servers) await server.stop("SIGKILL");
    await dropDatabase?.();
    rmSync(home, { recursive: true, force: true });
  });

  return {
    get openai() {
      if (!openai) throw new Error("the fake OpenAI server starts in beforeAll");
      return openai;
    },
    get databaseUrl() {
      return databaseUrl;
    },
    async start() {
      const server = await startServerProcess(env);
      servers.push(server);
      return server;
    },
  };
}
