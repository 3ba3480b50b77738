import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { openReverie, type Reverie } from "../../src/index.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, expectConsistentWindow, viewTypes } from "../helpers/agent-turns.js";
import { createTestDatabase } from "../helpers/postgres-schema.js";
import { describeOnEachStore } from "../helpers/store-suites.js";

// The embedded API: the same services as the server, in-process, with no HTTP.
describeOnEachStore("openReverie (embedded)", (storeKind) => {
  let openai: FakeLlmServer;
  let home: string;
  let databaseUrl: string | undefined;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    home = mkdtempSync(join(tmpdir(), "reverie-embedded-"));
    const database = storeKind === "postgres" ? await createTestDatabase() : undefined;
    databaseUrl = database?.url;
    return async () => {
      await database?.drop();
      rmSync(home, { recursive: true, force: true });
    };
  });

  /** Opens on `home` (SQLite) or on the test database (PostgreSQL); nothing comes from the environment. */
  function open(): Promise<Reverie> {
    return openReverie({
      home,
      ...(databaseUrl ? { databaseUrl } : {}),
      env: {},
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
  }

  it("creates an agent, runs a turn that edits memory, reads the memory, and keeps it after reopening", async () => {
    const reverie = await open();
    let agentId: string;
    try {
      if (databaseUrl) expect(reverie.databaseUrl).toBe(databaseUrl);
      else {
        expect(reverie.databaseUrl).toBe(join(home, "reverie.db"));
        expect(existsSync(reverie.databaseUrl)).toBe(true);
      }
      const agent = await reverie.services.agents.create({
        name: "embedded",
        model: "openai/gpt-4o-mini",
        memory_blocks: [{ label: "human", value: "Name: unknown" }],
      });
      agentId = agent.id;
      expect(agent.llm_config.model).toBe("gpt-4o-mini");

      openai.script.push(
        {
          toolCalls: [
            {
              name: "memory_replace",
              arguments: { label: "human", old_string: "Name: unknown", new_string: "Name: Grace" },
            },
          ],
        },
        { text: "Hello, Grace." },
      );
      const response = await reverie.services.messages.send(agentId, {
        messages: [{ role: "user", content: "I am Grace." }],
      });
      expect(response.stop_reason.stop_reason).toBe("end_turn");
      expect(viewTypes(response.messages)).toEqual([
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
      ]);
      expect(completions(openai)).toHaveLength(2);

      const block = await reverie.services.coreMemory.getBlock(agentId, "human");
      expect(block.value).toBe("Name: Grace");
      const history = await reverie.services.messages.list(agentId, { order: "asc" });
      expect(viewTypes(history)).toEqual([
        "system_message",
        "user_message",
        "tool_call_message",
        "tool_return_message",
        "assistant_message",
      ]);
      await expectConsistentWindow(reverie.store, agentId);
    } finally {
      await reverie.close();
    }

    const reopened = await open();
    try {
      const block = await reopened.services.coreMemory.getBlock(agentId, "human");
      expect(block.value).toBe("Name: Grace");
      openai.script.push({ text: "Welcome back, Grace." });
      const again = await reopened.services.messages.send(agentId, { input: "I'm back." });
      expect(again.messages).toMatchObject([
        { message_type: "assistant_message", content: "Welcome back, Grace." },
      ]);
      // The new prompt shows the edited memory.
      const last = completions(openai).at(-1)?.body as { messages: Array<{ content: string }> } | undefined;
      const system = last?.messages[0]?.content;
      expect(system).toContain("Name: Grace");
    } finally {
      await reopened.close();
    }
  });

  it("reports a bad request as a ReverieError, with no HTTP involved", async () => {
    const reverie = await open();
    try {
      await expect(
        reverie.services.messages.send("agent-00000000-0000-4000-8000-000000000000", { input: "hi" }),
      ).rejects.toMatchObject({
        code: "not_found",
      });
    } finally {
      await reverie.close();
    }
  });
});
