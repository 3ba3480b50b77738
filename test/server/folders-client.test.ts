import Letta from "@letta-ai/letta-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makePdf } from "./folders-fixtures.js";
import { createTestApp, type TestApp } from "./test-app.js";

// The official client's folder and agent-file methods, against the app in process.
describe("folders through @letta-ai/letta-client", () => {
  let t: TestApp;
  let client: Letta;

  beforeEach(async () => {
    t = await createTestApp();
    client = new Letta({
      baseURL: "http://localhost",
      apiKey: null,
      maxRetries: 0,
      fetch: async (input, init) => t.app.request(String(input), init),
    });
  });
  afterEach(async () => {
    expect(t.logged).toEqual([]);
    await t.close();
  });

  it("creates a folder, uploads files, attaches it and opens and closes its files", async () => {
    const folder = await client.folders.create({ name: "handbook", description: "team handbook" });
    expect(folder.id).toMatch(/^source-/);
    const pdf = await makePdf([["Holidays are booked through the portal."]]);
    const uploaded = await client.folders.files.upload(folder.id, {
      file: new File([pdf], "holidays.pdf", { type: "application/pdf" }),
    });
    expect(uploaded.processing_status).toBe("pending");
    await client.folders.files.upload(folder.id, {
      file: new File(["# Laptops\nAsk IT for a laptop."], "laptops.md"),
    });
    await t.services.jobs.drain();

    const files = [];
    for await (const file of client.folders.files.list(folder.id)) files.push(file);
    expect(files.map((file) => [file.file_name, file.processing_status]).sort()).toEqual([
      ["holidays.pdf", "completed"],
      ["laptops.md", "completed"],
    ]);
    const retrieved = await client.folders.files.retrieve(uploaded.id, {
      folder_id: folder.id,
      include_content: true,
    });
    expect(retrieved.content).toBe("Holidays are booked through the portal.");

    const agent = await client.agents.create({ model: "openai/gpt-4o-mini", memory_blocks: [] });
    const attached = await client.agents.folders.attach(folder.id, { agent_id: agent.id });
    expect(attached?.sources.map((source) => source.id)).toEqual([folder.id]);
    const agentFolders = [];
    for await (const item of client.agents.folders.list(agent.id)) agentFolders.push(item.id);
    expect(agentFolders).toEqual([folder.id]);
    const agentFiles = [];
    for await (const file of client.agents.files.list(agent.id)) agentFiles.push(file);
    expect(agentFiles.map((file) => [file.file_name, file.is_open])).toEqual([
      ["handbook/holidays.pdf", true],
      ["handbook/laptops.md", true],
    ]);
    expect(await client.agents.files.closeAll(agent.id)).toHaveLength(2);
    expect(await client.agents.files.open(uploaded.id, { agent_id: agent.id })).toEqual([]);
    await client.agents.files.close(uploaded.id, { agent_id: agent.id });
    expect(await client.folders.agents.list(folder.id)).toEqual([agent.id]);

    await client.folders.files.delete(uploaded.id, { folder_id: folder.id });
    await client.agents.folders.detach(folder.id, { agent_id: agent.id });
    await client.folders.delete(folder.id);
    await expect(client.folders.retrieve(folder.id)).rejects.toMatchObject({ status: 404 });
  });
});
