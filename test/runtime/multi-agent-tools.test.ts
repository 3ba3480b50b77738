import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { withOrganization } from "../../src/store/tenancy.js";
import {
  type FakeLlmServer,
  type RecordedRequest,
  type ScriptStep,
  startFakeOpenAI,
} from "../fake-llm/index.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
}

const text = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
      ? content.map((part: { text?: string }) => part.text ?? "").join("")
      : "";

/**
 * A fake model that plays several agents: it knows which one it is from the persona in the system
 * prompt; after a tool result it answers in text, otherwise it runs that agent's plan (a tool call).
 */
function playAgents(plans: Record<string, (request: RecordedRequest) => ScriptStep | undefined>) {
  return (request: RecordedRequest): ScriptStep => {
    const messages = (request.body as { messages: ChatMessage[] }).messages;
    const me = /I am agent (\w+)\./.exec(text(messages[0]?.content))?.[1] ?? "?";
    const last = messages.at(-1);
    if (last?.role === "tool") return { text: `${me} done` };
    return plans[me]?.(request) ?? { text: `${me} says hello` };
  };
}

describe("multi-agent tools", () => {
  let openai: FakeLlmServer;
  let t: TestApp;
  beforeAll(async () => {
    openai = await startFakeOpenAI();
  });
  afterAll(() => openai.close());
  afterEach(async () => {
    openai.reset();
    await t?.close();
  });

  const start = async (options: { multiAgentMaxDepth?: number } = {}) => {
    t = await createTestApp({
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
      ...options,
    });
  };
  const createAgent = async (name: string, tags: string[] = []) => {
    const created = await t.call("POST", "/v1/agents/", {
      name,
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "persona", value: `I am agent ${name}.` }],
      include_multi_agent_tools: true,
      tags,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body as { id: string; tools: Array<{ name: string; tool_type: string }> };
  };
  const send = async (agentId: string, content: string) => {
    const response = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content }],
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.messages as Array<{ message_type: string; tool_return?: string; content?: unknown }>;
  };
  const toolReturns = (messages: Awaited<ReturnType<typeof send>>) =>
    messages
      .filter((message) => message.message_type === "tool_return_message")
      .map((message) => JSON.parse(message.tool_return ?? "{}") as { status: string; message: string });
  const history = async (agentId: string) =>
    (await t.call("GET", `/v1/agents/${agentId}/messages?limit=100&order=asc`)).body as Array<{
      message_type: string;
      content?: unknown;
      tool_return?: string;
    }>;
  const call = (name: string, args: Record<string, unknown>): ScriptStep => ({
    toolCalls: [{ name, arguments: args }],
  });

  it("asks another agent and hands its reply back in Letta's format", async () => {
    await start();
    const a = await createAgent("A");
    const b = await createAgent("B");
    expect(
      a.tools
        .filter((tool) => tool.tool_type === "letta_multi_agent_core")
        .map((tool) => tool.name)
        .sort(),
    ).toEqual([
      "send_message_to_agent_and_wait_for_reply",
      "send_message_to_agent_async",
      "send_message_to_agents_matching_tags",
    ]);
    openai.script.respondWith(
      playAgents({
        A: () =>
          call("send_message_to_agent_and_wait_for_reply", {
            message: "What is the capital of France?",
            other_agent_id: b.id,
          }),
      }),
    );
    const returned = toolReturns(await send(a.id, "Ask B."));
    expect(returned).toEqual([
      {
        status: "OK",
        message: `{'agent_id': '${b.id}', 'response': ['B says hello']}`,
        time: expect.any(String),
      },
    ]);
    const incoming = (await history(b.id)).find(
      (message) => message.message_type === "system_message" && text(message.content).startsWith("[Incoming"),
    );
    expect(text(incoming?.content)).toBe(
      `[Incoming message from agent with ID '${a.id}' - your response will be delivered to the sender] What is the capital of France?`,
    );
  });

  it("refuses a call back to an agent that is waiting, instead of deadlocking", async () => {
    await start();
    const a = await createAgent("A");
    const b = await createAgent("B");
    openai.script.respondWith(
      playAgents({
        A: () => call("send_message_to_agent_and_wait_for_reply", { message: "ping", other_agent_id: b.id }),
        B: () => call("send_message_to_agent_and_wait_for_reply", { message: "pong", other_agent_id: a.id }),
      }),
    );
    const returned = toolReturns(await send(a.id, "Start."));
    expect(returned[0]?.message).toBe(`{'agent_id': '${b.id}', 'response': ['B done']}`);
    const bReturn = (await history(b.id)).find((message) => message.message_type === "tool_return_message");
    expect(JSON.parse(bReturn?.tool_return ?? "{}").message).toContain(`agent ${a.id} is busy`);
  });

  it("stops a chain of agents at the depth limit", async () => {
    await start({ multiAgentMaxDepth: 2 });
    const [a, b, c, d] = [
      await createAgent("A"),
      await createAgent("B"),
      await createAgent("C"),
      await createAgent("D"),
    ];
    const next: Record<string, string> = { A: b.id, B: c.id, C: d.id, D: a.id };
    openai.script.respondWith(
      playAgents(
        Object.fromEntries(
          Object.entries(next).map(([name, target]) => [
            name,
            () =>
              call("send_message_to_agent_and_wait_for_reply", {
                message: `from ${name}`,
                other_agent_id: target,
              }),
          ]),
        ),
      ),
    );
    const returned = toolReturns(await send(a.id, "Start the chain."));
    expect(returned[0]?.message).toBe(`{'agent_id': '${b.id}', 'response': ['B done']}`);
    const cReturn = (await history(c.id)).find((message) => message.message_type === "tool_return_message");
    const refused = JSON.parse(cReturn?.tool_return ?? "{}");
    expect(refused.status).toBe("Failed");
    expect(refused.message).toContain("at most 2 levels deep");
    // D never got the message.
    expect(
      (await history(d.id)).filter((message) => text(message.content).includes("Incoming")),
    ).toHaveLength(0);
  });

  it("messages every agent with all of match_all and one of match_some, one after another", async () => {
    await start();
    const a = await createAgent("A", ["team", "red"]);
    const red = await createAgent("Red", ["team", "red"]);
    const blue = await createAgent("Blue", ["team", "blue"]);
    await createAgent("Green", ["team", "green"]);
    await createAgent("Loner", ["red"]);
    openai.script.respondWith(
      playAgents({
        A: () =>
          call("send_message_to_agents_matching_tags", {
            message: "Status?",
            match_all: ["team"],
            match_some: ["red", "blue"],
          }),
      }),
    );
    const returned = toolReturns(await send(a.id, "Ask the team."));
    expect(returned[0]?.message).toBe(
      `[{'agent_id': '${red.id}', 'response': ['Red says hello']}, {'agent_id': '${blue.id}', 'response': ['Blue says hello']}]`,
    );
  });

  it("sends a one-way message that the other agent answers in the background", async () => {
    await start();
    const a = await createAgent("A");
    const b = await createAgent("B");
    openai.script.respondWith(
      playAgents({
        A: () =>
          call("send_message_to_agent_async", { message: "FYI: deploy at noon", other_agent_id: b.id }),
      }),
    );
    const returned = toolReturns(await send(a.id, "Tell B."));
    expect(returned[0]).toMatchObject({ status: "OK", message: "Successfully sent message" });
    let runs: Array<{ status: string }> = [];
    for (let attempt = 0; attempt < 200; attempt++) {
      runs = (await t.call("GET", `/v1/runs/?agent_id=${b.id}`)).body;
      if (runs.length > 0 && runs.every((run) => run.status === "completed")) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(runs.map((run) => run.status)).toEqual(["completed"]);
    const bHistory = await history(b.id);
    expect(bHistory.map((message) => text(message.content)).join("\n")).toContain(
      `[Incoming message from agent with ID '${a.id}' - this is a one-way notification`,
    );
    expect(bHistory.some((message) => message.message_type === "assistant_message")).toBe(true);
  });

  it("never reaches an agent of another organization", async () => {
    await start();
    const a = await createAgent("A", ["team"]);
    const now = new Date().toISOString();
    const other = await t.store.organizations.create({
      id: "org-00000000-0000-4000-8000-0000000000aa",
      name: "other",
      created_at: now,
      updated_at: now,
    });
    const outsider = await withOrganization(other.id, () =>
      t.services.agents.create({ name: "X", model: "openai/gpt-4o-mini", tags: ["team"] }),
    );
    openai.script.respondWith(
      playAgents({
        A: (request) => {
          const asked = (request.body as { messages: ChatMessage[] }).messages.some(
            (message) => message.role === "user" && text(message.content).includes("tags"),
          );
          return asked
            ? call("send_message_to_agents_matching_tags", {
                message: "hi",
                match_all: ["team"],
                match_some: [],
              })
            : call("send_message_to_agent_and_wait_for_reply", {
                message: "hi",
                other_agent_id: outsider.id,
              });
        },
      }),
    );
    const direct = toolReturns(await send(a.id, "Ask X directly."));
    expect(direct[0]).toMatchObject({
      status: "Failed",
      message: `Error: Agent with id '${outsider.id}' not found`,
    });
    const tagged = toolReturns(await send(a.id, "Ask by tags."));
    expect(tagged[0]).toMatchObject({ status: "OK", message: "[]" });
    const outsiderMessages = await withOrganization(other.id, () =>
      t.store.messages.list({ agent_id: outsider.id, limit: 100 }),
    );
    expect(outsiderMessages.filter((message) => message.role !== "system")).toHaveLength(0);
  });

  it("answers tool errors for itself, unknown ids and empty messages", async () => {
    await start();
    const a = await createAgent("A");
    const attempts = [
      { message: "hi", other_agent_id: a.id },
      { message: "hi", other_agent_id: "agent-00000000-0000-4000-8000-00000000dead" },
      { message: "   ", other_agent_id: a.id },
    ];
    let index = 0;
    openai.script.respondWith(
      playAgents({ A: () => call("send_message_to_agent_and_wait_for_reply", attempts[index++] ?? {}) }),
    );
    const errors = [];
    for (let i = 0; i < attempts.length; i++)
      errors.push(toolReturns(await send(a.id, `try ${i}`))[0]?.message);
    expect(errors).toEqual([
      "Error: an agent cannot send a message to itself",
      "Error: Agent with id 'agent-00000000-0000-4000-8000-00000000dead' not found",
      "Error: message must not be empty",
    ]);
  });
});
