import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Letta, { NotFoundError } from "@letta-ai/letta-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

// The official TypeScript client against a real `reverie server` process on a temp SQLite home.
describe("reverie server with the official @letta-ai/letta-client", () => {
  let home: string;
  let fakeOpenAI: FakeLlmServer;
  let server: ServerProcess;
  let client: Letta;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-e2e-"));
    fakeOpenAI = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    env = { REVERIE_HOME: home, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fakeOpenAI.url };
    server = await startServerProcess(env);
    client = new Letta({ baseURL: server.url, apiKey: null, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.stop();
    await fakeOpenAI?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("creates its database under REVERIE_HOME and reports health", async () => {
    expect(existsSync(join(home, "reverie.db"))).toBe(true);
    const health = await client.health();
    expect(health.status).toBe("ok");
    expect(health.version).toBe("0.16.8");
  });

  it("manages agents and blocks and keeps them across a restart", async () => {
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        await client.agents.create({
          name: `e2e-agent-${i}`,
          model: "openai/gpt-4o-mini",
          tags: i % 2 === 0 ? ["even", "e2e"] : ["odd", "e2e"],
          memory_blocks: [
            { label: "persona", value: `I am agent ${i}.` },
            { label: "human", value: "The user is testing Reverie." },
          ],
        }),
      );
    }
    for (const agent of created) {
      expect(agent.id).toMatch(/^agent-[0-9a-f-]{36}$/);
      expect(agent.llm_config.model).toBe("gpt-4o-mini");
      expect(agent.blocks.map((block) => block.label).sort()).toEqual(["human", "persona"]);
    }

    // Paging with limit 2 walks every agent exactly once, then stops on an empty page.
    const seen: string[] = [];
    for await (const agent of client.agents.list({ limit: 2 })) seen.push(agent.id);
    expect(seen.sort()).toEqual(created.map((agent) => agent.id).sort());

    const [first, second, third] = created as [(typeof created)[0], (typeof created)[0], (typeof created)[0]];
    const retrieved = await client.agents.retrieve(first.id);
    expect(retrieved.name).toBe("e2e-agent-0");

    const modified = await client.agents.update(first.id, {
      name: "renamed",
      description: "changed by the test",
      tags: ["renamed"],
    });
    expect(modified.name).toBe("renamed");
    expect(modified.tags).toEqual(["renamed"]);

    // One block shared by two agents: a change through one is seen by the other.
    const shared = await client.blocks.create({ label: "project", value: "Reverie is a server." });
    await client.agents.blocks.attach(shared.id, { agent_id: first.id });
    await client.agents.blocks.attach(shared.id, { agent_id: second.id });
    await client.agents.blocks.update("project", { agent_id: first.id, value: "Reverie speaks Letta." });
    const seenBySecond = await client.agents.blocks.retrieve("project", { agent_id: second.id });
    expect(seenBySecond.value).toBe("Reverie speaks Letta.");
    expect(seenBySecond.id).toBe(shared.id);
    const sharingAgents: string[] = [];
    for await (const agent of client.blocks.agents.list(shared.id)) sharingAgents.push(agent.id);
    expect(sharingAgents.sort()).toEqual([first.id, second.id].sort());

    const scratch = await client.blocks.create({ label: "scratch", value: "temporary" });
    const updatedScratch = await client.blocks.update(scratch.id, { value: "still temporary", limit: 500 });
    expect(updatedScratch.limit).toBe(500);
    await client.blocks.delete(scratch.id);
    await expect(client.blocks.retrieve(scratch.id)).rejects.toBeInstanceOf(NotFoundError);

    await client.agents.delete(third.id);
    await expect(client.agents.retrieve(third.id)).rejects.toBeInstanceOf(NotFoundError);

    // Restart on the same data: everything is still there.
    await server.stop();
    server = await startServerProcess(env);
    client = new Letta({ baseURL: server.url, apiKey: null, maxRetries: 0 });

    const afterRestart: string[] = [];
    for await (const agent of client.agents.list({ limit: 2 })) afterRestart.push(agent.id);
    expect(afterRestart.sort()).toEqual(
      created
        .filter((agent) => agent.id !== third.id)
        .map((agent) => agent.id)
        .sort(),
    );
    const reloaded = await client.agents.retrieve(first.id);
    expect(reloaded.name).toBe("renamed");
    expect(reloaded.description).toBe("changed by the test");
    const reloadedBlock = await client.blocks.retrieve(shared.id);
    expect(reloadedBlock.value).toBe("Reverie speaks Letta.");
    const secondBlocks = await client.agents.blocks.list(second.id);
    const labels: string[] = [];
    for await (const block of secondBlocks) labels.push(block.label ?? "");
    expect(labels.sort()).toEqual(["human", "persona", "project"]);
  });
});
