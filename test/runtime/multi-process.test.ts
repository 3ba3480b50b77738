import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, expectConsistentWindow, storedMessages } from "../helpers/agent-turns.js";
import { createTestDatabase, TEST_POSTGRES_URL } from "../helpers/postgres-schema.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

// Real server processes on a machine shared with other suites.
vi.setConfig({ testTimeout: 90_000 });

async function post(server: ServerProcess, path: string, body: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field.
  return { status: response.status, body: (await response.json()) as any };
}

// Invariant 2 "in every deployment": two server processes sharing one PostgreSQL database still run
// one turn at a time per agent.
describe.skipIf(!TEST_POSTGRES_URL)("two server processes on one PostgreSQL database", () => {
  let openai: FakeLlmServer;
  let home: string;
  let database: { url: string; drop(): Promise<void> };
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    home = mkdtempSync(join(tmpdir(), "reverie-replicas-"));
    database = await createTestDatabase();
    const env = {
      REVERIE_HOME: home,
      REVERIE_DATABASE_URL: database.url,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
    };
    // One after the other: both apply (or find applied) the migrations.
    servers = [await startServerProcess(env), await startServerProcess(env)];
  });
  afterAll(async () => {
    for (const server of servers) await server.stop("SIGTERM");
    await openai?.close();
    await database?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it("runs one of ten sends spread over both processes and refuses the rest with 409", async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const created = await post(a, "/v1/agents/", { model: "openai/gpt-4o-mini" });
    expect(created.status).toBe(200);
    const agentId: string = created.body.id;

    openai.script.push({ text: "One at a time.", delayMs: 3000 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        post(index % 2 === 0 ? a : b, `/v1/agents/${agentId}/messages`, { input: `message ${index}` }),
      ),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    const refused = responses.filter((response) => response.status === 409);
    expect(refused).toHaveLength(9);
    for (const response of refused) expect(response.body.detail).toContain("is currently being processed");
    expect(completions(openai)).toHaveLength(1);

    // The lock is released: the other process runs the next turn.
    const winnerIndex = responses.findIndex((response) => response.status === 200);
    const other = winnerIndex % 2 === 0 ? b : a;
    openai.script.push({ text: "Your turn." });
    const next = await post(other, `/v1/agents/${agentId}/messages`, { input: "next" });
    expect(next.status).toBe(200);
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");

    const store = await openStore(database.url);
    try {
      const messages = await storedMessages(store, agentId);
      expect(messages.map((message) => message.role)).toEqual([
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
      ]);
      await expectConsistentWindow(store, agentId);
    } finally {
      await store.close();
    }
  });
});
