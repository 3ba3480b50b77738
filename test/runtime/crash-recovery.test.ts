import { expect, it, vi } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import {
  completions,
  expectConsistentWindow,
  storedMessages,
  viewTypes,
  waitFor,
} from "../helpers/agent-turns.js";
import { callServer, useCrashHarness } from "../helpers/crash-harness.js";
import { describeOnEachStore } from "../helpers/store-suites.js";

// Each test starts real server processes (twice) on a machine shared with other suites.
vi.setConfig({ testTimeout: 90_000 });

// The real `reverie server` killed with SIGKILL in the middle of a turn, then started again on the
// same data: nothing committed is lost, nothing half-done is visible, and the agent keeps working.
describeOnEachStore("a server killed mid-turn", (storeKind) => {
  const harness = useCrashHarness(storeKind, "reverie-crash-");

  it("fails the interrupted run, keeps the user's message and a consistent window, and answers again", async () => {
    let server = await harness.start();
    const created = await callServer(server, "POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: Ada" }],
    });
    expect(created.status).toBe(200);
    const agentId: string = created.body.id;

    // One committed tool step, then the model never answers the second call.
    harness.openai.script.push(
      { toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Likes tea." } }] },
      { fault: "hang" },
    );
    const pending = callServer(server, "POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: "Remember that I like tea." }],
    }).catch((error: unknown) => error);
    await waitFor(() => completions(harness.openai).length === 2, "the second LLM request of the turn");
    expect(await server.stop("SIGKILL")).toBeNull();
    expect(server.child.signalCode).toBe("SIGKILL");
    expect(await pending).toBeInstanceOf(Error);

    // As the crash left it: the run still says running, the committed step is there.
    let store = await openStore(harness.databaseUrl);
    let interruptedRunId: string;
    try {
      const runs = await store.runs.list({ agent_id: agentId, limit: 10 });
      expect(runs.map((run) => run.status)).toEqual(["running"]);
      interruptedRunId = runs[0]?.id as string;
    } finally {
      await store.close();
    }

    // Restart on the same data, then talk to the agent again.
    server = await harness.start();
    const listed = await callServer(server, "GET", `/v1/agents/${agentId}/messages?order=asc`);
    expect(viewTypes(listed.body)).toEqual([
      "system_message",
      "user_message",
      "tool_call_message",
      "tool_return_message",
    ]);
    expect(listed.body[1].content).toBe("Remember that I like tea.");
    const block = await callServer(server, "GET", `/v1/agents/${agentId}/core-memory/blocks/human`);
    expect(block.body.value).toBe("Name: Ada\nLikes tea.");

    harness.openai.script.push({ text: "Yes, you like tea." });
    const next = await callServer(server, "POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: "Do you remember what I like?" }],
    });
    expect(next.status).toBe(200);
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
    expect(next.body.messages).toMatchObject([
      { message_type: "assistant_message", content: "Yes, you like tea." },
    ]);
    // The model saw the interrupted turn's committed part, well formed.
    const seen = completions(harness.openai).at(-1)?.body as { messages: Array<{ role: string }> };
    expect(seen.messages.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "user",
    ]);
    expect(await server.stop("SIGTERM")).toBe(0);

    store = await openStore(harness.databaseUrl);
    try {
      const interrupted = await store.runs.get(interruptedRunId);
      expect(interrupted).toMatchObject({ status: "failed" });
      expect(interrupted?.stop_reason).not.toBeNull();
      expect(interrupted?.metadata).toHaveProperty("error");
      const latest = await store.runs.get(next.body.usage.run_ids[0]);
      expect(latest).toMatchObject({ status: "completed", stop_reason: "end_turn" });

      const messages = await storedMessages(store, agentId);
      expect(messages.filter((message) => message.role === "user").map((message) => message.run_id)).toEqual([
        interruptedRunId,
        latest?.id,
      ]);
      const window = await expectConsistentWindow(store, agentId);
      expect(window.map((message) => message.role)).toEqual([
        "system",
        "user",
        "assistant",
        "tool",
        "user",
        "assistant",
      ]);
    } finally {
      await store.close();
    }
  });

  it("keeps an approval pending when the server dies while running the approved tool", async () => {
    let server = await harness.start();
    const created = await callServer(server, "POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      embedding: "openai/text-embedding-3-small",
      tools: ["archival_memory_insert"],
      tool_rules: [{ type: "requires_approval", tool_name: "archival_memory_insert" }],
    });
    expect(created.status).toBe(200);
    const agentId: string = created.body.id;
    harness.openai.script.push({
      toolCalls: [{ name: "archival_memory_insert", arguments: { content: "The user likes tea." } }],
    });
    const paused = await callServer(server, "POST", `/v1/agents/${agentId}/messages`, {
      input: "Please remember that I like tea.",
    });
    expect(paused.body.stop_reason.stop_reason).toBe("requires_approval");
    const callId: string = paused.body.messages[0].tool_call.tool_call_id;

    // Approve; the approved tool embeds its content first, and the embedder never answers.
    harness.openai.script.failNext({ fault: "hang" }, "embedding");
    const approval = {
      messages: [
        { type: "approval", approvals: [{ type: "approval", tool_call_id: callId, approve: true }] },
      ],
    };
    const pending = callServer(server, "POST", `/v1/agents/${agentId}/messages`, approval).catch(
      (error: unknown) => error,
    );
    await waitFor(
      () => harness.openai.requests.some((request) => request.endpoint === "embedding"),
      "the approved tool's embedding request",
    );
    await server.stop("SIGKILL");
    await pending;

    // After the restart the request is still pending: nothing of the interrupted answer is visible.
    server = await harness.start();
    const refused = await callServer(server, "POST", `/v1/agents/${agentId}/messages`, { input: "Hello?" });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("waiting for approval");

    harness.openai.script.push({ text: "Saved: you like tea." });
    const resumed = await callServer(server, "POST", `/v1/agents/${agentId}/messages`, approval);
    expect(resumed.status).toBe(200);
    expect(resumed.body.stop_reason.stop_reason).toBe("end_turn");
    expect(viewTypes(resumed.body.messages)).toEqual(["tool_return_message", "assistant_message"]);
    expect(resumed.body.messages[0]).toMatchObject({ tool_call_id: callId, status: "success" });
    // The model saw its call answered exactly once.
    const seen = completions(harness.openai).at(-1)?.body as {
      messages: Array<{ role: string; tool_call_id?: string }>;
    };
    expect(seen.messages.filter((message) => message.role === "tool").map((m) => m.tool_call_id)).toEqual([
      callId,
    ]);
    await server.stop("SIGTERM");

    const store = await openStore(harness.databaseUrl);
    try {
      const window = await expectConsistentWindow(store, agentId);
      expect(window.map((message) => message.role)).toEqual([
        "system",
        "user",
        "approval",
        "approval",
        "tool",
        "assistant",
      ]);
      const runs = await store.runs.list({ agent_id: agentId, order: "asc", limit: 10 });
      expect(runs.map((run) => run.status)).toEqual(["completed", "failed", "completed"]);
    } finally {
      await store.close();
    }
  });

  it("recovers a turn killed before its first step committed", async () => {
    let server = await harness.start();
    const created = await callServer(server, "POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    const agentId: string = created.body.id;
    harness.openai.script.push({ text: "too late", delayMs: 60_000 });
    const pending = callServer(server, "POST", `/v1/agents/${agentId}/messages`, { input: "Hello?" }).catch(
      (error: unknown) => error,
    );
    await waitFor(() => completions(harness.openai).length === 1, "the LLM request");
    await server.stop("SIGKILL");
    await pending;

    server = await harness.start();
    // The agent is not left locked by the dead run.
    harness.openai.script.push({ text: "Here now." });
    const next = await callServer(server, "POST", `/v1/agents/${agentId}/messages`, {
      input: "Hello again?",
    });
    expect(next.status).toBe(200);
    expect(next.body.stop_reason.stop_reason).toBe("end_turn");
    await server.stop("SIGTERM");

    const store = await openStore(harness.databaseUrl);
    try {
      const runs = await store.runs.list({ agent_id: agentId, order: "asc", limit: 10 });
      expect(runs.map((run) => run.status)).toEqual(["failed", "completed"]);
      const window = await expectConsistentWindow(store, agentId);
      expect(window.map((message) => message.role)).toEqual(["system", "user", "user", "assistant"]);
    } finally {
      await store.close();
    }
  });
});
