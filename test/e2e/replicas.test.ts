import Letta from "@letta-ai/letta-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { type FakeLlmServer, type RecordedRequest, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, expectConsistentWindow, type JsonBody, waitFor } from "../helpers/agent-turns.js";
import { createTestDatabase, TEST_POSTGRES_URL } from "../helpers/postgres-schema.js";
import { callServer, createReplicaFleet, type ReplicaFleet } from "../helpers/replica-fleet.js";

// Real server processes (two or three at once, one killed with SIGKILL) on a machine shared with others.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** A promise the test opens when it wants a held model call to answer. */
function gate(): { opened: Promise<void>; open(): void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const isSleeptimeCall = (request: RecordedRequest) =>
  request.endpoint === "completion" && request.rawBody.includes("sleep-time memory agent");

/** The text of the last user message a completion request carries. */
function lastUserText(request: RecordedRequest): string {
  const body = request.body as { messages?: Array<{ role: string; content: unknown }> };
  const last = body.messages?.filter((message) => message.role === "user").at(-1);
  return typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
}

/** Reads a Letta stream to its end, telling `onChunk` about each chunk as it arrives. */
async function collect(stream: AsyncIterable<unknown>, onChunk?: (chunk: JsonBody) => void) {
  const chunks: JsonBody[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    onChunk?.(chunk);
  }
  return chunks;
}

// Several stateless `reverie server` replicas on one PostgreSQL database, sharing the load of one client.
describe.skipIf(!TEST_POSTGRES_URL)("two reverie server replicas on one PostgreSQL database", () => {
  let openai: FakeLlmServer;
  let database: { url: string; drop(): Promise<void> };
  let fleet: ReplicaFleet;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    database = await createTestDatabase();
    // Migrated once here, so that replicas starting together do not all wait on the migration lock.
    await (await openStore(database.url)).close();
  });
  afterAll(async () => {
    await openai?.close();
    await database?.drop();
  });
  beforeEach(() => {
    openai.reset();
    fleet = createReplicaFleet({
      databaseUrl: database.url,
      providerUrl: openai.url,
      env: {
        // Short enough to see a dead replica's job taken again, long enough for heartbeats on a busy machine.
        REVERIE_JOB_LEASE_MS: "5000",
        REVERIE_JOB_POLL_MS: "100",
        REVERIE_JOB_CONCURRENCY: "1",
        REVERIE_RUN_RECOVERY_MS: "300",
        REVERIE_SLEEPTIME_IDLE_SECONDS: "0",
      },
    });
  });
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") console.error(fleet.outputs());
    await fleet.close();
  });

  const send = (replica: { url: string }, agentId: string, content: string) =>
    callServer(replica, "POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content }],
    });

  async function createAgent(replica: { url: string }, body: Record<string, unknown> = {}) {
    const created = await callServer(replica, "POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      ...body,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body;
  }

  it("runs one turn at a time per agent: a send on either replica meets the same 409", async () => {
    const [a, b] = await Promise.all([fleet.start("a"), fleet.start("b")]);
    const agentId: string = (await createAgent(a)).id;
    const held = gate();
    openai.script.respondWith(async (request) => {
      if (lastUserText(request) === "Take your time.") await held.opened;
      return { text: `Answered by ${fleet.senderOf(request)}.` };
    });

    const first = send(a, agentId, "Take your time.");
    await waitFor(
      () => completions(openai).some((request) => lastUserText(request) === "Take your time."),
      "replica a's model call",
    );
    const onB = await send(b, agentId, "Are you there?");
    const onA = await send(a, agentId, "Are you there?");
    expect(onB.status).toBe(409);
    expect(onA.status).toBe(409);
    expect(onB.body.detail).toMatch(/is currently being processed/);
    // The same answer wherever the request lands: the run that holds the agent is named either way.
    expect(onB.body.detail).toBe(onA.body.detail);

    held.open();
    const done = await first;
    expect(done.status).toBe(200);
    expect(done.body.messages.at(-1).content).toBe("Answered by a.");
    // Free again: the other replica serves the agent, and it sees the whole history.
    const next = await send(b, agentId, "And now?");
    expect(next.status).toBe(200);
    expect(next.body.messages.at(-1).content).toBe("Answered by b.");
    const history = await callServer(b, "GET", `/v1/agents/${agentId}/messages?order=asc&limit=50`);
    expect(
      history.body
        .filter((message: JsonBody) => message.message_type !== "system_message")
        .map((message: JsonBody) => message.content),
    ).toEqual(["Take your time.", "Answered by a.", "And now?", "Answered by b."]);
  });

  it("re-attaches to a run's stream on the other replica and gets the same chunks", async () => {
    const [a, b] = await Promise.all([fleet.start("a"), fleet.start("b")]);
    const agentId: string = (
      await createAgent(a, { memory_blocks: [{ label: "human", value: "Name: Ada" }] })
    ).id;
    const held = gate();
    let calls = 0;
    openai.script.respondWith(async () => {
      calls += 1;
      if (calls === 1)
        return {
          toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "Likes tea." } }],
        };
      await held.opened;
      return { text: "Noted: you like tea." };
    });
    const clientA = new Letta({ baseURL: a.url, apiKey: null, maxRetries: 0 });
    const clientB = new Letta({ baseURL: b.url, apiKey: null, maxRetries: 0 });

    let midway: (chunk: JsonBody) => void = () => {};
    const toolDone = new Promise<JsonBody>((resolve) => {
      midway = resolve;
    });
    const onA = collect(
      await clientA.agents.messages.stream(agentId, {
        messages: [{ role: "user", content: "I like tea." }],
        stream_tokens: false,
        include_pings: false,
      }),
      (chunk) => {
        if (chunk.message_type === "tool_return_message") midway(chunk);
      },
    );
    // The client saw the tool step, then lost replica a: it re-attaches on b after the last seq_id seen.
    const { run_id: runId, seq_id: lastSeen } = await toolDone;
    expect(runId).toMatch(/^run-/);
    await waitFor(() => calls === 2, "the second model call, held on replica a");
    const onB = collect(
      await clientB.runs.messages.stream(runId, { starting_after: lastSeen, include_pings: false }),
    );
    held.open();
    const [fromA, fromB] = await Promise.all([onA, onB]);
    const shape = (chunk: JsonBody) => ({
      seq_id: chunk.seq_id,
      run_id: chunk.run_id,
      message_type: chunk.message_type,
      id: chunk.id,
      content: chunk.content,
      stop_reason: chunk.stop_reason,
      total_tokens: chunk.total_tokens,
    });
    expect(fromA.map((chunk) => chunk.message_type)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
      "stop_reason",
      "usage_statistics",
    ]);
    expect(fromB.map(shape)).toEqual(fromA.filter((chunk) => chunk.seq_id > lastSeen).map(shape));
    expect(fromB.find((chunk) => chunk.message_type === "assistant_message")?.content).toBe(
      "Noted: you like tea.",
    );
  });

  it("keeps serving an agent after a replica dies mid-turn, and settles the dead replica's run", async () => {
    const [a, b] = await Promise.all([fleet.start("a"), fleet.start("b")]);
    const agentId: string = (await createAgent(a)).id;
    let doomed = 0;
    openai.script.respondWith((request) => {
      if (lastUserText(request) === "This turn never ends." && ++doomed === 1) return { fault: "hang" };
      return { text: `Answered by ${fleet.senderOf(request)}.` };
    });
    const cut = send(a, agentId, "This turn never ends.").catch((error: unknown) => error);
    await waitFor(() => doomed === 1, "replica a's model call");
    const [running] = (await callServer(b, "GET", `/v1/runs/?agent_id=${agentId}`)).body;
    expect(running).toMatchObject({ status: "running" });
    // Busy while replica a lives.
    expect((await send(b, agentId, "Hello?")).status).toBe(409);

    expect(await a.stop("SIGKILL")).toBeNull();
    expect(await cut).toBeInstanceOf(Error);
    // Replica b notices the dead run (its turn lock went with a's connection) and settles it.
    await waitFor(async () => {
      const run = await callServer(b, "GET", `/v1/runs/${running.id}`);
      return run.body.status !== "running";
    }, "replica b to settle replica a's run");
    const settled = await callServer(b, "GET", `/v1/runs/${running.id}`);
    expect(settled.body).toMatchObject({ status: "failed", stop_reason: "error" });
    expect(settled.body.metadata.error.error_type).toBe("interrupted");

    const next = await send(b, agentId, "Hello again.");
    expect(next.status).toBe(200);
    expect(next.body.messages.at(-1).content).toBe("Answered by b.");
    const store = await openStore(database.url);
    try {
      const window = await expectConsistentWindow(store, agentId);
      expect(window.map((message) => message.role)).toEqual(["system", "user", "user", "assistant"]);
    } finally {
      await store.close();
    }
  });

  it("a replica starting up leaves alone the runs a live replica is running", async () => {
    const a = await fleet.start("a");
    const agentId: string = (await createAgent(a)).id;
    const held = gate();
    openai.script.respondWith(async (request) => {
      if (lastUserText(request) === "Slow one.") await held.opened;
      return { text: "Finished on a." };
    });
    const first = send(a, agentId, "Slow one.");
    await waitFor(() => completions(openai).length === 1, "replica a's model call");

    // A new replica recovers at start-up, then keeps looking every 300 ms: the live run is not its.
    const c = await fleet.start("c");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [running] = (await callServer(c, "GET", `/v1/runs/?agent_id=${agentId}`)).body;
    expect(running).toMatchObject({ status: "running" });

    held.open();
    expect((await first).status).toBe(200);
    const finished = await callServer(c, "GET", `/v1/runs/${running.id}`);
    expect(finished.body).toMatchObject({ status: "completed", stop_reason: "end_turn" });
  });

  it("drains sleep-time jobs across both replicas, each exactly once", async () => {
    const [a, b] = await Promise.all([fleet.start("a"), fleet.start("b")]);
    const agents = 8;
    const sleeperCalls: string[] = [];
    openai.script.respondWith((request) => {
      if (!isSleeptimeCall(request)) return { text: "ok" };
      sleeperCalls.push(fleet.senderOf(request) ?? "?");
      // Slow enough that one replica (one job at a time) cannot take them all.
      return { delayMs: 300, toolCalls: [{ name: "memory_finish_edits", arguments: {} }] };
    });
    const primaries: Array<{ id: string; sleeperId: string; groupId: string }> = [];
    for (let index = 0; index < agents; index++) {
      const replica = index % 2 === 0 ? a : b;
      const created = await createAgent(replica, {
        memory_blocks: [{ label: "human", value: "Name: unknown" }],
        enable_sleeptime: true,
      });
      const group = created.multi_agent_group;
      await callServer(replica, "PATCH", `/v1/groups/${group.id}`, {
        manager_config: { sleeptime_agent_frequency: 1 },
      });
      primaries.push({ id: created.id, sleeperId: group.agent_ids[0], groupId: group.id });
    }
    const sends = await Promise.all(
      primaries.map((agent, index) => send(index % 2 === 0 ? b : a, agent.id, `I am user ${index}.`)),
    );
    for (const sent of sends) expect(sent.status).toBe(200);

    const store = await openStore(database.url);
    const groups = new Set(primaries.map((agent) => agent.groupId));
    const groupJobs = async () =>
      (await store.jobs.list({ kind: "sleeptime", limit: 100 })).filter((job) =>
        groups.has(String(job.payload.group_id)),
      );
    try {
      await waitFor(async () => {
        const jobs = await groupJobs();
        return jobs.length === agents && jobs.every((job) => job.status === "succeeded");
      }, "every sleep-time job to succeed");
      const jobs = await groupJobs();
      for (const job of jobs) expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(sleeperCalls).toHaveLength(agents);
      expect(new Set(sleeperCalls)).toEqual(new Set(["a", "b"]));
      for (const { sleeperId } of primaries) {
        const runs = await store.runs.list({ agent_id: sleeperId, limit: 10 });
        expect(runs.map((run) => run.status)).toEqual(["completed"]);
      }
    } finally {
      await store.close();
    }
  });

  it("recovers a sleep-time job and its run when the replica running it dies", async () => {
    const [a, b] = await Promise.all([fleet.start("a"), fleet.start("b")]);
    const replicas = { a, b };
    const sleepers: string[] = [];
    openai.script.respondWith((request) => {
      if (!isSleeptimeCall(request)) return { text: "ok" };
      sleepers.push(fleet.senderOf(request) ?? "?");
      // The first attempt hangs until its replica is killed under it.
      if (sleepers.length === 1) return { fault: "hang" };
      return { toolCalls: [{ name: "memory_finish_edits", arguments: {} }] };
    });
    const created = await createAgent(a, {
      memory_blocks: [{ label: "human", value: "Name: unknown" }],
      enable_sleeptime: true,
    });
    const group = created.multi_agent_group;
    const sleeperId: string = group.agent_ids[0];
    await callServer(a, "PATCH", `/v1/groups/${group.id}`, {
      manager_config: { sleeptime_agent_frequency: 1 },
    });
    expect((await send(a, created.id, "I am Grace.")).status).toBe(200);
    await waitFor(() => sleepers.length === 1, "the sleep-time agent's first model call");
    const doomedName = sleepers[0] as "a" | "b";
    const survivor = doomedName === "a" ? b : a;
    expect(await replicas[doomedName].stop("SIGKILL")).toBeNull();

    // The survivor takes the job again once its lease expires, and settles the dead run.
    await waitFor(
      async () => {
        const runs = await callServer(survivor, "GET", `/v1/runs/?agent_id=${sleeperId}&order=asc`);
        return runs.body.length === 2 && runs.body[1].status === "completed";
      },
      "the survivor to redo the sleep-time job",
      30_000,
    );
    const runs = (await callServer(survivor, "GET", `/v1/runs/?agent_id=${sleeperId}&order=asc`)).body;
    expect(runs.map((run: JsonBody) => [run.status, run.metadata?.error?.error_type ?? null])).toEqual([
      ["failed", "interrupted"],
      ["completed", null],
    ]);
    expect(sleepers).toEqual([doomedName, survivor === a ? "a" : "b"]);
    const store = await openStore(database.url);
    try {
      const jobs = (await store.jobs.list({ kind: "sleeptime", limit: 100 })).filter(
        (job) => job.payload.group_id === group.id,
      );
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    } finally {
      await store.close();
    }
  });
});
