import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

// A whole turn over HTTP: the fake model edits memory with a tool, then answers.
describe("an agent turn that edits core memory", () => {
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
      memory_blocks: [
        { label: "human", value: "Name: unknown" },
        { label: "persona", value: "I am a helpful assistant.", read_only: true },
      ],
    });
    expect(created.status).toBe(200);
    agentId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  const send = (text: string) =>
    t.call("POST", `/v1/agents/${agentId}/messages`, { messages: [{ role: "user", content: text }] });

  function systemPromptOf(requestIndex: number): string {
    const body = openai.requests.filter((request) => request.endpoint === "completion")[requestIndex]
      ?.body as {
      messages: Array<{ role: string; content: string }>;
    };
    return body.messages[0]?.content ?? "";
  }

  it("replaces text in a block, records a revision, and shows the new value from the next turn", async () => {
    openai.script.push(
      {
        toolCalls: [
          {
            name: "memory_replace",
            arguments: { label: "human", old_string: "Name: unknown", new_string: "Name: Ada" },
          },
        ],
      },
      { text: "Nice to meet you, Ada." },
    );
    const first = await send("Hi, I am Ada.");
    expect(first.status).toBe(200);
    expect(first.body.stop_reason).toEqual({ message_type: "stop_reason", stop_reason: "end_turn" });
    expect(first.body.messages.map((m: { message_type: string }) => m.message_type)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
    ]);
    const toolReturn = first.body.messages[1];
    expect(toolReturn.status).toBe("success");
    expect(JSON.parse(toolReturn.tool_return)).toMatchObject({ status: "OK", message: "Name: Ada" });
    expect(first.body.usage.step_count).toBe(2);

    const block = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/human`);
    expect(block.body.value).toBe("Name: Ada");
    const revisions = await t.store.blocks.revisions(block.body.id, { order: "asc" });
    const last = revisions.at(-1);
    expect(last).toMatchObject({
      actor_type: "agent",
      actor_id: agentId,
      old_value: "Name: unknown",
      new_value: "Name: Ada",
    });
    expect(last?.run_id).toBe(first.body.usage.run_ids[0]);

    // Within the turn the prompt kept the old value (prompt cache); the next turn shows the new one.
    expect(systemPromptOf(0)).toContain("Name: unknown");
    expect(systemPromptOf(1)).toContain("Name: unknown");
    openai.script.push({ text: "Hello again." });
    const second = await send("Do you remember me?");
    expect(second.body.stop_reason.stop_reason).toBe("end_turn");
    expect(systemPromptOf(2)).toContain("1→ Name: Ada");
    expect(systemPromptOf(2)).not.toContain("Name: unknown");
  });

  it("returns refused edits to the model as tool errors and finishes the turn normally", async () => {
    openai.script.push(
      {
        toolCalls: [
          { name: "memory_replace", arguments: { label: "human", old_string: "Name: Bob", new_string: "x" } },
        ],
      },
      {
        toolCalls: [{ name: "memory_insert", arguments: { label: "persona", new_string: "I love jokes." } }],
      },
      { text: "Sorry, I could not update my memory." },
    );
    const response = await send("Remember that I like jokes.");
    expect(response.status).toBe(200);
    expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    const returns = response.body.messages.filter(
      (m: { message_type: string }) => m.message_type === "tool_return_message",
    );
    expect(returns.map((m: { status: string }) => m.status)).toEqual(["error", "error"]);
    expect(JSON.parse(returns[0].tool_return).message).toBe(
      "No replacement was performed, old_string `Name: Bob` did not appear verbatim in memory block with label `human`.",
    );
    expect(JSON.parse(returns[1].tool_return).message).toBe(
      "Error This block is read-only and cannot be edited.",
    );
    // The model saw both errors as tool results.
    const third = openai.requests.filter((r) => r.endpoint === "completion")[2]?.body as {
      messages: Array<{ role: string; content: string }>;
    };
    const toolResults = third.messages.filter((m) => m.role === "tool").map((m) => m.content);
    expect(toolResults.join("\n")).toContain("read-only");
    const persona = await t.call("GET", `/v1/agents/${agentId}/core-memory/blocks/persona`);
    expect(persona.body.value).toBe("I am a helpful assistant.");
  });

  it("survives malformed tool arguments, unknown tools and empty answers", async () => {
    openai.script.push(
      { toolCalls: [{ name: "memory_insert", arguments: "{not json" }] },
      { toolCalls: [{ name: "launch_rockets", arguments: {} }] },
      { toolCalls: [{ name: "memory_insert", arguments: { label: "human" } }] },
      { text: "Done." },
    );
    const response = await send("Try things.");
    expect(response.body.stop_reason.stop_reason).toBe("end_turn");
    const messages = response.body.messages.filter(
      (m: { message_type: string }) => m.message_type === "tool_return_message",
    );
    const texts = messages.map((m: { tool_return: string }) => JSON.parse(m.tool_return).message as string);
    expect(texts[0]).toMatch(/not valid JSON/);
    expect(texts[1]).toMatch(/^\[ToolConstraintError\] Cannot call launch_rockets, valid tools include: \[/);
    expect(texts[2]).toBe("Error: memory_insert() missing required argument(s): 'new_string'");

    openai.script.push({ text: "" });
    const empty = await send("Say nothing.");
    expect(empty.body.stop_reason.stop_reason).toBe("invalid_llm_response");
    openai.script.push({ text: "I am still here." });
    const after = await send("Still there?");
    expect(after.body.stop_reason.stop_reason).toBe("end_turn");
    expect(after.body.messages).toMatchObject([
      { message_type: "assistant_message", content: "I am still here." },
    ]);
  });

  it("lists the conversation with every message view", async () => {
    openai.script.push({ text: "Hello!" });
    await send("Hi");
    const listed = await t.call("GET", `/v1/agents/${agentId}/messages?order=asc`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((m: { message_type: string }) => m.message_type)).toEqual([
      "system_message",
      "user_message",
      "assistant_message",
    ]);
    const filtered = await t.call(
      "GET",
      `/v1/agents/${agentId}/messages?include_return_message_types=assistant_message`,
    );
    expect(filtered.body).toMatchObject([{ message_type: "assistant_message", content: "Hello!" }]);
  });
});
