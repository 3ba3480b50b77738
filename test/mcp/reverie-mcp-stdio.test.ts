import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReverie } from "../../src/index.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";

const CLI_ENTRY = fileURLToPath(new URL("./cli-entry.ts", import.meta.url));

// `reverie mcp` as a desktop client starts it: a child process speaking MCP on stdio, on the local data.
describe("reverie mcp (stdio)", () => {
  let home: string;
  let openai: FakeLlmServer;
  let agentId: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-mcp-stdio-"));
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    const reverie = await openReverie({
      home,
      env: {},
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      worker: false,
    });
    try {
      const agent = await reverie.services.agents.create({
        name: "desk",
        model: "openai/gpt-4o-mini",
        memory_blocks: [{ label: "persona", value: "A tidy desk assistant." }],
      });
      agentId = agent.id;
    } finally {
      await reverie.close();
    }
  });
  afterAll(async () => {
    await openai.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("serves the agents of the data directory to an SDK client; the turn it ran is stored", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", CLI_ENTRY, "mcp"],
      env: { REVERIE_HOME: home, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: openai.url },
      stderr: "pipe",
    });
    const client = new Client({ name: "desktop", version: "1.0.0" });
    await client.connect(transport);
    const pid = transport.pid;
    try {
      const listed = (await client.callTool({ name: "list_agents", arguments: {} })) as {
        content: Array<{ text: string }>;
      };
      expect(JSON.parse(listed.content[0]?.text ?? "[]")).toEqual([
        expect.objectContaining({ id: agentId, name: "desk" }),
      ]);
      openai.script.push({ text: "The desk is tidy." });
      const sent = (await client.callTool({
        name: "send_message",
        arguments: { agent_id: agentId, message: "How is the desk?" },
      })) as { content: Array<{ text: string }> };
      expect(JSON.parse(sent.content[0]?.text ?? "{}")).toMatchObject({ reply: "The desk is tidy." });
      const memory = (await client.callTool({
        name: "read_core_memory",
        arguments: { agent_id: agentId },
      })) as {
        content: Array<{ text: string }>;
      };
      expect(memory.content[0]?.text).toContain("A tidy desk assistant.");
    } finally {
      await client.close();
    }
    // The client closing ends the process; the turn it ran was committed to the data directory.
    expect(pid).toBeTypeOf("number");
    await expect.poll(() => isAlive(pid as number), { timeout: 20_000 }).toBe(false);
    const reopened = await openReverie({ home, env: {}, worker: false });
    try {
      const messages = await reopened.store.messages.list({ agent_id: agentId, limit: 100 });
      expect(messages.some((message) => JSON.stringify(message.content).includes("How is the desk?"))).toBe(
        true,
      );
    } finally {
      await reopened.close();
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
