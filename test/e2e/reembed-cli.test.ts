import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newMessageRecord } from "../../src/domain/index.js";
import { openReverie } from "../../src/reverie.js";
import { ensureDefaultArchive } from "../../src/runtime/tools/search-tools.js";
import { type FakeLlmServer, fakeEmbed, startFakeOpenAI } from "../fake-llm/index.js";
import { REVERIE_BIN, startServerProcess } from "../helpers/server-process.js";

const PASSAGES = 120;
const MESSAGES = 30;

/** Runs `reverie <args>` to completion; resolves to its exit code and everything it printed. */
function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [REVERIE_BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("reverie reembed", () => {
  let openai: FakeLlmServer;
  let home: string;
  let env: Record<string, string>;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({
      models: ["gpt-4o-mini", "text-embedding-3-small", "text-embedding-3-large"],
    });
    home = mkdtempSync(join(tmpdir(), "reverie-reembed-"));
    env = { REVERIE_HOME: home, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: openai.url };
    const reverie = await openReverie({ home, env, worker: false });
    try {
      const agent = await reverie.services.agents.create({
        name: "notes-keeper",
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-3-small",
      });
      agentId = agent.id;
      const record = await reverie.store.agents.get(agentId);
      if (!record?.embedding_config) throw new Error("the agent has no embedding model");
      const config = record.embedding_config;
      const archive = await ensureDefaultArchive(
        reverie.store,
        record,
        { next: (prefix) => `${prefix}-${crypto.randomUUID()}` },
        record.created_at,
      );
      await reverie.store.passages.insert(
        Array.from({ length: PASSAGES }, (_, index) => ({
          id: `passage-${crypto.randomUUID()}`,
          text: `note ${index} about the garden`,
          archive_id: archive.id,
          source_id: null,
          file_id: null,
          file_name: null,
          tags: [],
          metadata: null,
          embedding: fakeEmbed(`note ${index} about the garden`, config.embedding_dim),
          embedding_config: config,
          is_deleted: false,
          created_by_id: null,
          last_updated_by_id: null,
          created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
          updated_at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
        })),
      );
      await reverie.store.messages.append(
        Array.from({ length: MESSAGES }, (_, index) =>
          newMessageRecord({
            id: `message-${crypto.randomUUID()}`,
            agent_id: agentId,
            role: "user",
            created_at: new Date(Date.UTC(2025, 1, 1, 0, 0, index)).toISOString(),
            content: [{ type: "text", text: `we planted ${index} tulips` }],
          }),
        ),
      );
    } finally {
      await reverie.close();
    }
  });
  afterAll(async () => {
    await openai.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** The dimensions of the agent's passages, and how many of its messages are in each index. */
  async function dimensions(): Promise<{
    passages: number[];
    messagesFound: (dim: number) => Promise<number>;
  }> {
    const reverie = await openReverie({ home, env, worker: false });
    const archives = await reverie.store.archives.listForAgent(agentId);
    const passages = await reverie.store.passages.list({
      archive_ids: archives.map((a) => a.id),
      limit: 1000,
    });
    const dims = [...new Set(passages.map((passage) => passage.embedding?.length ?? 0))];
    expect(passages).toHaveLength(PASSAGES);
    const counts = new Map<number, number>();
    for (const dim of [1536, 3072]) {
      const hits = await reverie.store.messages.searchVector({
        agent_id: agentId,
        vector: fakeEmbed("tulips", dim),
        limit: 100,
      });
      counts.set(dim, hits.length);
    }
    await reverie.close();
    return { passages: dims, messagesFound: async (dim) => counts.get(dim) ?? 0 };
  }

  it("switches the model in this process with a progress bar, then again while a server runs", async () => {
    const first = await runCli(["reembed", "notes-keeper", "--model", "openai/text-embedding-3-large"], env);
    expect(first.output).toContain(`re-embedding notes-keeper with openai/text-embedding-3-large [`);
    expect(first.output).toContain(`${PASSAGES + MESSAGES}/${PASSAGES + MESSAGES} 100%`);
    expect(first.output).toContain(
      `Re-embedded ${PASSAGES} passages and ${MESSAGES} messages of notes-keeper`,
    );
    expect(first.code).toBe(0);
    const large = await dimensions();
    expect(large.passages).toEqual([3072]);
    expect(await large.messagesFound(3072)).toBe(MESSAGES);
    expect(await large.messagesFound(1536)).toBe(0);

    // With a server on the same database, whichever process claims the job does it; the CLI follows.
    const server = await startServerProcess(env);
    try {
      const second = await runCli(["reembed", agentId, "--model", "openai/text-embedding-3-small"], env);
      expect(second.output).toContain("100%");
      expect(second.code).toBe(0);
    } finally {
      await server.stop();
    }
    const small = await dimensions();
    expect(small.passages).toEqual([1536]);
    expect(await small.messagesFound(1536)).toBe(MESSAGES);
  }, 60_000);

  it("explains what is wrong instead of starting", async () => {
    const unknown = await runCli(["reembed", "nobody"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain("no agent with id or name 'nobody'");
    const noArgs = await runCli(["reembed"], env);
    expect(noArgs.code).toBe(2);
    expect(noArgs.output).toContain("Usage: reverie reembed");
    const unconfigured = await runCli(["reembed", agentId, "--model", "anthropic/some-embedder"], env);
    expect(unconfigured.code).toBe(1);
    expect(unconfigured.output).toContain("provider 'anthropic' is not configured");
    const unknownModel = await runCli(["reembed", agentId, "--model", "openai/no-such-embedder"], env);
    expect(unknownModel.code).toBe(1);
    expect(unknownModel.output).toMatch(/^reverie reembed: .*no-such-embedder/m);
  });
});
