import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReverie } from "../../src/index.js";
import { createApiKeyService } from "../../src/server/auth/api-keys.js";
import { withOrganization } from "../../src/store/tenancy.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";

const CLI_ENTRY = fileURLToPath(new URL("./cli-entry.ts", import.meta.url));
// Each test starts the CLI through tsx one to three times: 25-50 s on a loaded two-core machine.
const STDIO_TEST_MS = 120_000;

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

  it(
    "serves the agents of the data directory to an SDK client; the turn it ran is stored",
    async () => {
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
    },
    STDIO_TEST_MS,
  );
});

// With API keys, `reverie mcp` serves the organization of the key it is given, as /mcp does.
describe("reverie mcp (stdio) with API keys", () => {
  let home: string;
  let keyA: string;
  let keyB: string;
  let agentA: string;
  let agentB: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-mcp-keys-"));
    // No model is called: the provider only has to be configured for agents to be created.
    const reverie = await openReverie({
      home,
      env: {},
      providers: { openai: { apiKey: "sk-test", baseUrl: "http://127.0.0.1:9/v1" } },
      worker: false,
    });
    try {
      const keys = createApiKeyService({ store: reverie.store });
      const orgB = await keys.createOrganization("tenant b");
      keyA = (await keys.create({ name: "a" })).key;
      keyB = (await keys.create({ name: "b", organization_id: orgB.id })).key;
      const memory_blocks = [{ label: "persona", value: "Secret plans of A." }];
      agentA = (
        await reverie.services.agents.create({ name: "alpha", model: "openai/gpt-4o-mini", memory_blocks })
      ).id;
      agentB = (
        await withOrganization(orgB.id, () =>
          reverie.services.agents.create({
            name: "beta",
            model: "openai/gpt-4o-mini",
            memory_blocks: [{ label: "persona", value: "B's own notes." }],
          }),
        )
      ).id;
    } finally {
      await reverie.close();
    }
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
  });

  async function connectAs(args: string[], env: Record<string, string> = {}) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", CLI_ENTRY, "mcp", ...args],
      env: { REVERIE_HOME: home, ...env },
      stderr: "pipe",
    });
    const client = new Client({ name: "desktop", version: "1.0.0" });
    await client.connect(transport);
    const call = async (name: string, toolArgs: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: toolArgs })) as {
        isError?: boolean;
        content: Array<{ text: string }>;
      };
    return { client, call };
  }

  it(
    "--api-key serves that key's organization: the other's agents are invisible",
    async () => {
      const b = await connectAs(["--api-key", keyB]);
      try {
        const listed = await b.call("list_agents", {});
        expect(JSON.parse(listed.content[0]?.text ?? "[]").map((agent: { id: string }) => agent.id)).toEqual([
          agentB,
        ]);
        expect((await b.call("read_core_memory", { agent_id: agentB })).content[0]?.text).toContain(
          "B's own notes.",
        );
        const foreign = await b.call("read_core_memory", { agent_id: agentA });
        expect(foreign.isError).toBe(true);
        expect(foreign.content[0]?.text).not.toContain("Secret plans of A.");
        expect(foreign.content[0]?.text).toMatch(/not found/i);
      } finally {
        await b.client.close();
      }
    },
    STDIO_TEST_MS,
  );

  it(
    "REVERIE_API_KEY picks the organization too",
    async () => {
      const a = await connectAs([], { REVERIE_API_KEY: keyA });
      try {
        const listed = await a.call("list_agents", {});
        expect(JSON.parse(listed.content[0]?.text ?? "[]").map((agent: { id: string }) => agent.id)).toEqual([
          agentA,
        ]);
        expect((await a.call("read_core_memory", { agent_id: agentB })).isError).toBe(true);
      } finally {
        await a.client.close();
      }
    },
    STDIO_TEST_MS,
  );

  it(
    "refuses to start without a key once keys exist, and with an unknown key",
    async () => {
      const none = await runCli(["mcp"], { REVERIE_HOME: home });
      expect(none.code).not.toBe(0);
      expect(none.stderr).toMatch(/pass --api-key/);
      expect(none.stdout).toBe("");
      const wrong = await runCli(["mcp", "--api-key", `${keyB}x`], { REVERIE_HOME: home });
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/unknown, revoked or expired/);
      expect(wrong.stdout).toBe("");
    },
    STDIO_TEST_MS,
  );
});

/** Runs the CLI with stdin closed, capturing its output. */
function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI_ENTRY, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
