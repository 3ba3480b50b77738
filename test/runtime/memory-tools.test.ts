import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// The search and block-management tools, each driven end to end by the fake model.
describe("memory tools in a turn", () => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({ providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } } });
    const created = await t.call("POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      tools: ["archival_memory_insert", "archival_memory_search", "memory", "core_memory_append"],
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
    });
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });
  const toolMessages = (body: { messages: Array<{ message_type: string; tool_return?: string }> }) =>
    body.messages
      .filter((m) => m.message_type === "tool_return_message")
      .map((m) => JSON.parse(m.tool_return ?? "{}") as { status: string; message: string });

  it("stores archival memories and finds them again by keyword and tag", async () => {
    openai.script.push(
      {
        toolCalls: [
          {
            name: "archival_memory_insert",
            arguments: { content: "Ada's cat is called Pixel.", tags: ["pets"] },
          },
        ],
      },
      {
        toolCalls: [
          { name: "archival_memory_insert", arguments: { content: "Ada works on analytical engines." } },
        ],
      },
      { text: "Noted." },
    );
    await send("My cat is Pixel and I build engines.");
    openai.script.push(
      { toolCalls: [{ name: "archival_memory_search", arguments: { query: "cat", tags: ["pets"] } }] },
      { text: "Your cat is Pixel." },
    );
    const response = await send("What is my cat called?");
    const [result] = toolMessages(response.body);
    const hits = JSON.parse(result?.message ?? "[]") as Array<{ content: string; tags: string[] }>;
    expect(hits.map((hit) => hit.content)).toEqual(["Ada's cat is called Pixel."]);
    expect(hits[0]?.tags).toEqual(["pets"]);
    // The prompt of the next turn counts the memories and lists their tags.
    openai.script.push({ text: "ok" });
    await send("thanks");
    const last = openai.requests.filter((r) => r.endpoint === "completion").at(-1)?.body as {
      messages: Array<{ content: string }>;
    };
    expect(last.messages[0]?.content).toContain(
      "- 2 total memories you created are stored in archival memory",
    );
    expect(last.messages[0]?.content).toContain("- Available archival memory tags: pets");
  });

  it("finds an old message with conversation_search, leaving out tool results", async () => {
    openai.script.push({ text: "Nice, a zeppelin!" });
    await send("I once flew in a zeppelin over Lake Constance.");
    openai.script.push(
      { toolCalls: [{ name: "conversation_search", arguments: { query: "zeppelin", roles: ["user"] } }] },
      { text: "You flew in a zeppelin." },
    );
    const response = await send("What did I fly in?");
    const [result] = toolMessages(response.body);
    const found = JSON.parse(result?.message ?? "{}") as {
      message: string;
      results: Array<{ role: string; content: string }>;
    };
    expect(found.message).toBe("Showing 1 results:");
    expect(found.results[0]).toMatchObject({
      role: "user",
      content: "I once flew in a zeppelin over Lake Constance.",
    });

    openai.script.push(
      { toolCalls: [{ name: "conversation_search", arguments: { query: "submarine" } }] },
      { text: "Nothing." },
    );
    const none = await send("Did I mention a submarine?");
    // The agent has no embedding model: the search was by words, and the result says so.
    expect(JSON.parse(toolMessages(none.body)[0]?.message ?? "{}")).toEqual({
      message: "No results found.",
      search_mode: "text",
      search_note: "no embedding model is configured for this agent: results are matched by their words only",
      results: [],
    });
  });

  it("creates, edits, renames and deletes blocks with the memory tool", async () => {
    openai.script.push(
      {
        toolCalls: [
          {
            name: "memory",
            arguments: {
              command: "create",
              path: "/memories/projects",
              description: "Ongoing work",
              file_text: "Engine",
            },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: "memory",
            arguments: {
              command: "str_replace",
              path: "/memories/projects",
              old_string: "Engine",
              new_string: "Difference engine",
            },
          },
        ],
      },
      {
        toolCalls: [
          {
            name: "memory",
            arguments: { command: "rename", old_path: "/memories/projects", new_path: "/memories/work" },
          },
        ],
      },
      { toolCalls: [{ name: "core_memory_append", arguments: { label: "human", content: "Likes tea" } }] },
      { toolCalls: [{ name: "memory", arguments: { command: "fly" } }] },
      { text: "Done." },
    );
    const response = await send("Track my projects.");
    const results = toolMessages(response.body);
    expect(results.map((r) => r.status)).toEqual(["OK", "OK", "OK", "OK", "Failed"]);
    expect(results[4]?.message).toBe(
      "Error: Unknown command 'fly'. Supported commands: create, str_replace, insert, delete, rename",
    );
    const work = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/work`);
    expect(work.body).toMatchObject({ value: "Difference engine", description: "Ongoing work" });
    const human = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`);
    expect(human.body.value).toBe("Name: Ada\nLikes tea");

    openai.script.push(
      { toolCalls: [{ name: "memory", arguments: { command: "delete", path: "/memories/work" } }] },
      { text: "Deleted." },
    );
    await send("Forget my projects.");
    const gone = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/work`);
    expect(gone.status).toBe(404);
    // Every edit was recorded with the agent as the actor.
    const revisions = await t.store.blocks.revisions(work.body.id, { order: "asc" });
    expect(revisions.map((r) => [r.actor_type, r.new_label])).toEqual([
      ["agent", "projects"],
      ["agent", "projects"],
      ["agent", "work"],
    ]);
  });
});
