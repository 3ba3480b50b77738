import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp, type TestAppOptions } from "../server/test-app.js";

/** An SDK client talking to the app's `/mcp` in process (its fetch is `app.request`). */
async function connectClient(t: TestApp, headers: Record<string, string> = {}): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("http://127.0.0.1/mcp"), {
    requestInit: { headers },
    fetch: async (url, init) => t.app.request(String(url), init as RequestInit),
  });
  const client = new Client({ name: "test-client", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function callJson(client: Client, name: string, args: Record<string, unknown>): Promise<JsonBody> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    content: Array<{ type: string; text: string }>;
  };
  const text = result.content[0]?.text ?? "";
  if (result.isError) return { error: text };
  return JSON.parse(text);
}

describeOnEachStore("Reverie as an MCP server at /mcp", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let client: Client;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      webRoot: false,
    });
    const created = await t.call("POST", "/v1/agents/", {
      name: "librarian",
      description: "Keeps the reading list",
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada. Reads Le Guin." }],
    });
    agentId = created.body.id;
    await t.call("POST", `/v1/agents/${agentId}/archival-memory`, {
      text: "The Dispossessed was read in March.",
    });
    client = await connectClient(t);
  });
  afterEach(async () => {
    await client.close();
    await t.close();
  });

  it("lists its tools to an SDK client", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "list_agents",
      "read_core_memory",
      "search_archival_memory",
      "search_recall_memory",
      "send_message",
    ]);
  });

  it("lists agents, reads core memory, searches archival memory", async () => {
    const agents = await callJson(client, "list_agents", {});
    expect(agents).toEqual([
      expect.objectContaining({ id: agentId, name: "librarian", description: "Keeps the reading list" }),
    ]);
    expect(await callJson(client, "list_agents", { name: "nobody" })).toEqual([]);
    const blocks = await callJson(client, "read_core_memory", { agent_id: agentId });
    expect(blocks).toContainEqual(
      expect.objectContaining({ label: "human", value: "Name: Ada. Reads Le Guin." }),
    );
    const passages = await callJson(client, "search_archival_memory", {
      agent_id: agentId,
      query: "Dispossessed",
    });
    expect(passages.map((hit: JsonBody) => hit.content)).toEqual(["The Dispossessed was read in March."]);
  });

  it("sends a message, returns the reply, and the exchange is then in recall memory", async () => {
    openai.script.push({ text: "You asked about Earthsea; noted." });
    const sent = await callJson(client, "send_message", {
      agent_id: agentId,
      message: "What about Earthsea?",
    });
    expect(sent).toMatchObject({ reply: "You asked about Earthsea; noted.", stop_reason: "end_turn" });
    const history = await callJson(client, "search_recall_memory", { agent_id: agentId, query: "Earthsea" });
    expect(history.map((hit: JsonBody) => hit.content)).toEqual(
      expect.arrayContaining(["What about Earthsea?", "You asked about Earthsea; noted."]),
    );
  });

  it("answers an unknown agent with a tool error, and bad arguments with a protocol error", async () => {
    const missing = await callJson(client, "read_core_memory", { agent_id: "agent-nope" });
    expect(missing.error).toMatch(/not_found: Agent/);
    const bad = (await client.callTool({
      name: "send_message",
      arguments: { agent_id: agentId },
    })) as JsonBody;
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/message/);
    const get = await t.app.request("/mcp");
    expect(get.status).toBe(405);
  });
});

describe("/mcp with API keys", () => {
  let t: TestApp;
  beforeEach(async () => {
    const options: TestAppOptions = { auth: {}, webRoot: false };
    t = await createTestApp(options);
  });
  afterEach(async () => {
    await t.close();
  });

  it("needs a key, and shows each key only its organization's agents", async () => {
    const adminKey = (await t.keys!.create({ name: "root", is_admin: true })).key;
    const admin = { authorization: `Bearer ${adminKey}` };
    const mine = await t.call("POST", "/v1/agents/", { name: "mine", model: "openai/gpt-4o-mini" }, admin);
    expect(mine.status).toBe(200);
    const org = await t.call("POST", "/v1/admin/organizations/", { name: "other" }, admin);
    expect(org.status).toBe(200);
    const otherKey = (await t.keys!.create({ name: "other", organization_id: org.body.id })).key;

    await expect(connectClient(t)).rejects.toThrow(/401|Unauthorized|Authorization/i);
    const other = await connectClient(t, { authorization: `Bearer ${otherKey}` });
    expect(await callJson(other, "list_agents", {})).toEqual([]);
    expect((await callJson(other, "read_core_memory", { agent_id: mine.body.id })).error).toMatch(
      /not_found/,
    );
    await other.close();
    const own = await connectClient(t, admin);
    expect((await callJson(own, "list_agents", {})).map((agent: JsonBody) => agent.name)).toEqual(["mine"]);
    await own.close();
  });
});
