import { ConflictError } from "@letta-ai/letta-client";
import type { LettaStreamingResponse } from "@letta-ai/letta-client/resources/agents/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Conformance, collect, createAgent, startConformance, walk } from "./harness.js";

const RUN_SHELL = {
  name: "run_shell",
  description: "Run a shell command on the user's machine.",
  parameters: {
    type: "object",
    properties: { cmd: { type: "string" } },
    required: ["cmd"],
  },
};

function stopOf(chunks: LettaStreamingResponse[]): string | undefined {
  const stop = chunks.find((c) => c.message_type === "stop_reason");
  return stop?.message_type === "stop_reason" ? stop.stop_reason : undefined;
}

// Client tools and tool approvals through the official client against one real server.
describe("conformance: approvals and client tools", () => {
  let ctx: Conformance;

  beforeAll(async () => {
    ctx = await startConformance();
  });
  afterAll(async () => {
    await ctx?.close();
  });
  beforeEach(() => {
    ctx.openai.reset();
  });

  it("round-trips a client tool: approval request, 409 while pending, tool return, answer", async () => {
    const agent = await createAgent(ctx.client);
    ctx.openai.script.push(
      { toolCalls: [{ id: "call_shell_1", name: "run_shell", arguments: { cmd: "ls" } }] },
      { text: "The directory listing says ok." },
    );

    const first = await collect(
      await ctx.client.agents.messages.create(agent.id, {
        messages: [{ role: "user", content: "list my files" }],
        client_tools: [RUN_SHELL],
        streaming: true,
      }),
    );
    expect(stopOf(first)).toBe("requires_approval");
    const request = first.find((c) => c.message_type === "approval_request_message");
    expect(request?.message_type).toBe("approval_request_message");
    if (request?.message_type !== "approval_request_message") throw new Error("no approval request");
    expect(request.tool_call.name).toBe("run_shell");
    expect(request.tool_call.tool_call_id).toBe("call_shell_1");
    // Both the legacy `tool_call` and `tool_calls` are sent (letta-code reads both).
    expect(Array.isArray(request.tool_calls)).toBe(true);
    expect((request.tool_calls as { tool_call_id: string }[])[0]?.tool_call_id).toBe("call_shell_1");
    expect(JSON.parse(request.tool_call.arguments ?? "{}")).toEqual({ cmd: "ls" });
    // The model was offered the client tool as a function.
    const offered = JSON.stringify(ctx.openai.requests.find((r) => r.endpoint === "completion")?.body);
    expect(offered).toContain("run_shell");

    // A plain message while the approval is pending is refused.
    const refused = await ctx.client.agents.messages
      .create(agent.id, { messages: [{ role: "user", content: "never mind" }] })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).status).toBe(409);
    expect(JSON.stringify((refused as ConflictError).error)).toContain("waiting for approval");

    const second = await collect(
      await ctx.client.agents.messages.create(agent.id, {
        messages: [
          {
            type: "approval",
            approvals: [{ type: "tool", tool_call_id: "call_shell_1", tool_return: "ok", status: "success" }],
          },
        ],
        client_tools: [RUN_SHELL],
        streaming: true,
      }),
    );
    const types = second.map((c) => c.message_type);
    const returned = second.find((c) => c.message_type === "tool_return_message");
    expect(returned?.message_type === "tool_return_message" && returned.tool_call_id).toBe("call_shell_1");
    expect(returned?.message_type === "tool_return_message" && returned.status).toBe("success");
    expect(returned?.message_type === "tool_return_message" && returned.tool_returns?.[0]?.tool_call_id).toBe(
      "call_shell_1",
    );
    expect(types.indexOf("tool_return_message")).toBeLessThan(types.indexOf("assistant_message"));
    const answer = second.find((c) => c.message_type === "assistant_message");
    expect(answer?.message_type === "assistant_message" && answer.content).toBe(
      "The directory listing says ok.",
    );
    expect(stopOf(second)).toBe("end_turn");

    // The model saw the tool's output.
    const last = JSON.stringify(ctx.openai.requests.filter((r) => r.endpoint === "completion").at(-1)?.body);
    expect(last).toContain("call_shell_1");
  });

  async function approvalAgent() {
    const agent = await createAgent(ctx.client);
    if (!agent.tools.some((t) => t.name === "memory_replace")) {
      const [tool] = await walk(ctx.client.tools.list({ name: "memory_replace" }));
      await ctx.client.agents.tools.attach(tool!.id, { agent_id: agent.id });
    }
    await ctx.client.agents.tools.updateApproval("memory_replace", {
      agent_id: agent.id,
      body_requires_approval: true,
    });
    return agent;
  }

  const REPLACE = {
    id: "call_replace_1",
    name: "memory_replace",
    arguments: { label: "human", old_string: "runs a conformance suite", new_string: "approves tool calls" },
  };

  it("asks before running a server tool that requires approval, then runs it when approved", async () => {
    await ctx.client.post("/v1/tools/add-base-tools");
    const agent = await approvalAgent();
    ctx.openai.script.push({ toolCalls: [REPLACE] }, { text: "Memory updated." });
    const asked = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "remember that I approve tool calls" }],
    });
    expect(asked.stop_reason.stop_reason).toBe("requires_approval");
    const request = asked.messages.find((m) => m.message_type === "approval_request_message");
    expect(request?.message_type === "approval_request_message" && request.tool_call.name).toBe(
      "memory_replace",
    );
    // Not run yet.
    expect((await ctx.client.agents.blocks.retrieve("human", { agent_id: agent.id })).value).toContain(
      "runs a conformance suite",
    );

    const approved = await ctx.client.agents.messages.create(agent.id, {
      messages: [
        {
          type: "approval",
          approvals: [{ type: "approval", tool_call_id: "call_replace_1", approve: true }],
        },
      ],
    });
    const returned = approved.messages.find((m) => m.message_type === "tool_return_message");
    expect(returned?.message_type === "tool_return_message" && returned.status).toBe("success");
    expect(approved.stop_reason.stop_reason).toBe("end_turn");
    expect((await ctx.client.agents.blocks.retrieve("human", { agent_id: agent.id })).value).toContain(
      "approves tool calls",
    );
  });

  it("does not run a server tool whose call is denied", async () => {
    const agent = await approvalAgent();
    ctx.openai.script.push({ toolCalls: [REPLACE] }, { text: "Understood, I left it alone." });
    const asked = await ctx.client.agents.messages.create(agent.id, {
      messages: [{ role: "user", content: "remember that I approve tool calls" }],
    });
    expect(asked.stop_reason.stop_reason).toBe("requires_approval");

    const denied = await ctx.client.agents.messages.create(agent.id, {
      messages: [
        {
          type: "approval",
          approvals: [
            { type: "approval", tool_call_id: "call_replace_1", approve: false, reason: "not now" },
          ],
        },
      ],
    });
    const returned = denied.messages.find((m) => m.message_type === "tool_return_message");
    expect(returned?.message_type === "tool_return_message" && returned.status).toBe("error");
    expect(denied.stop_reason.stop_reason).toBe("end_turn");
    const answer = denied.messages.find((m) => m.message_type === "assistant_message");
    expect(answer?.message_type === "assistant_message" && answer.content).toBe(
      "Understood, I left it alone.",
    );
    expect((await ctx.client.agents.blocks.retrieve("human", { agent_id: agent.id })).value).toContain(
      "runs a conformance suite",
    );
    const last = JSON.stringify(ctx.openai.requests.filter((r) => r.endpoint === "completion").at(-1)?.body);
    expect(last).toContain("not now");
  });
});
