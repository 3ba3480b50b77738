import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { Clock } from "../../src/domain/index.js";
import type { ServiceDeps } from "../../src/runtime/services.js";
import { SLEEPTIME_JOB_KIND, sleeptimeJobKey } from "../../src/runtime/sleeptime/sleeptime-agents.js";
import {
  type FakeLlmServer,
  lastUserText,
  type RecordedRequest,
  startFakeOpenAI,
} from "../fake-llm/index.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

/** 1 ms per reading (so creation order is time order), plus jumps the test makes. */
function steerableClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => new Date(now++),
    advance(ms) {
      now += ms;
    },
  };
  return clock;
}

function systemText(request: RecordedRequest): string {
  const body = request.body as { messages: Array<{ role: string; content: unknown }> };
  const system = body.messages.find((message) => message.role === "system");
  return typeof system?.content === "string" ? system.content : JSON.stringify(system?.content ?? "");
}

const isSleeptimeCall = (request: RecordedRequest) => systemText(request).includes("sleep-time memory agent");

describeOnEachStore("sleep-time agents", (kind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  const clock = steerableClock();
  /** Replies of the sleep-time agent, in order; the primary always answers "ok". */
  let sleeperScript: Array<{
    text?: string;
    toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  }>;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  });
  afterAll(async () => {
    await openai.close();
  });
  afterEach(async () => {
    await t?.close();
  });

  async function start(sleeptime?: ServiceDeps["sleeptime"]) {
    openai.reset();
    sleeperScript = [];
    openai.script.respondWith((request) => {
      if (!isSleeptimeCall(request)) return { text: "ok" };
      return sleeperScript.shift() ?? { toolCalls: [{ name: "memory_finish_edits", arguments: {} }] };
    });
    t = await createTestApp({
      store: kind,
      clock,
      sleeptime,
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
  }

  async function createPrimary(extra: Record<string, unknown> = {}) {
    const created = await t.call("POST", "/v1/agents/", {
      name: "ada-helper",
      model: "openai/gpt-4o-mini",
      memory_blocks: [
        { label: "human", value: "Name: unknown" },
        { label: "persona", value: "I am a helpful assistant." },
      ],
      enable_sleeptime: true,
      ...extra,
    });
    expect(created.status).toBe(200);
    return created.body as JsonBody;
  }

  const send = async (agentId: string, text: string) => {
    const response = await t.call("POST", `/v1/agents/${agentId}/messages`, {
      messages: [{ role: "user", content: text }],
    });
    expect(response.status).toBe(200);
    return response.body as JsonBody;
  };
  const sleeperCalls = () => openai.requests.filter((r) => r.endpoint === "completion" && isSleeptimeCall(r));
  const primaryCalls = () =>
    openai.requests.filter((r) => r.endpoint === "completion" && !isSleeptimeCall(r));

  it("creates a sleep-time agent sharing the primary's block rows, and its group; disabling removes them", async () => {
    await start();
    const primary = await createPrimary();
    const group = primary.multi_agent_group;
    expect(group).toMatchObject({
      manager_type: "sleeptime",
      manager_agent_id: primary.id,
      sleeptime_agent_frequency: 5,
      turns_counter: 0,
      last_processed_message_id: null,
    });
    expect(primary.managed_group).toEqual(group);
    expect(primary.enable_sleeptime).toBe(true);
    expect(primary.tools.map((tool: JsonBody) => tool.name).sort()).toEqual([
      "archival_memory_search",
      "conversation_search",
      "send_message",
    ]);
    const [sleeperId] = group.agent_ids;
    const sleeper = (await t.call("GET", `/v1/agents/${sleeperId}`)).body;
    expect(sleeper).toMatchObject({ name: "ada-helper-sleeptime", agent_type: "sleeptime_agent" });
    expect(sleeper.tools.map((tool: JsonBody) => tool.name).sort()).toEqual([
      "memory_finish_edits",
      "memory_insert",
      "memory_replace",
      "memory_rethink",
    ]);
    expect(sleeper.tool_rules).toContainEqual({ type: "exit_loop", tool_name: "memory_finish_edits" });
    const primaryBlockIds = primary.blocks.map((block: JsonBody) => block.id);
    const sleeperBlocks = sleeper.blocks as JsonBody[];
    expect(sleeperBlocks.map((block) => block.id).slice(0, 2)).toEqual(primaryBlockIds);
    const persona = sleeperBlocks.find((block) => block.label === "memory_persona");
    expect(persona?.value).toContain("memory");

    expect((await t.call("GET", "/v1/groups/")).body).toEqual([group]);
    expect((await t.call("GET", "/v1/groups/?manager_type=round_robin")).body).toEqual([]);
    expect((await t.call("GET", "/v1/groups/count")).body).toBe(1);
    expect((await t.call("GET", `/v1/groups/${group.id}`)).body).toEqual(group);
    expect((await t.call("GET", `/v1/agents/${sleeperId}/groups`)).body).toEqual([group]);
    const patched = await t.call("PATCH", `/v1/groups/${group.id}`, {
      manager_config: { manager_type: "sleeptime", sleeptime_agent_frequency: 2 },
    });
    expect(patched.body.sleeptime_agent_frequency).toBe(2);
    const bad = await t.call("PATCH", `/v1/groups/${group.id}`, {
      manager_config: { manager_type: "sleeptime", sleeptime_agent_frequency: 0 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBeTruthy();
    expect((await t.call("GET", "/v1/groups/group-00000000-0000-4000-8000-00000000ffff")).status).toBe(404);

    const disabled = await t.call("PATCH", `/v1/agents/${primary.id}`, { enable_sleeptime: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({
      enable_sleeptime: false,
      multi_agent_group: null,
      managed_group: null,
    });
    expect((await t.call("GET", `/v1/agents/${sleeperId}`)).status).toBe(404);
    expect((await t.call("GET", `/v1/groups/${group.id}`)).status).toBe(404);
    expect((await t.call("GET", `/v1/blocks/${persona.id}`)).status).toBe(404);
    expect(disabled.body.blocks.map((block: JsonBody) => block.id)).toEqual(primaryBlockIds);

    // Enabling on modify, and deleting the primary, which takes its sleep-time agent along.
    const enabled = await t.call("PATCH", `/v1/agents/${primary.id}`, { enable_sleeptime: true });
    const newSleeper = enabled.body.multi_agent_group.agent_ids[0];
    expect((await t.call("GET", `/v1/agents/${newSleeper}`)).body.agent_type).toBe("sleeptime_agent");
    expect((await t.call("DELETE", `/v1/agents/${primary.id}`)).status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${newSleeper}`)).status).toBe(404);
    expect((await t.call("GET", "/v1/groups/")).body).toEqual([]);
  });

  it("after N turns the sleep-time agent edits a shared block, and the primary's next prompt shows it", async () => {
    await start();
    const primary = await createPrimary();
    const groupId = primary.multi_agent_group.id;
    const sleeperId = primary.multi_agent_group.agent_ids[0];
    await t.call("PATCH", `/v1/groups/${groupId}`, { manager_config: { sleeptime_agent_frequency: 3 } });

    await send(primary.id, "Hi, I am Ada.");
    await send(primary.id, "I like chess.");
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(0);
    // Not yet due: the idle trigger waits (10 minutes by default) after the latest turn.
    const [idle] = await t.store.jobs.list({ kind: SLEEPTIME_JOB_KIND, statuses: ["queued"] });
    expect(idle).toMatchObject({
      payload: { trigger: "idle" },
      concurrency_key: sleeptimeJobKey(primary.id),
    });

    sleeperScript.push(
      {
        toolCalls: [
          {
            name: "memory_replace",
            arguments: { label: "human", old_string: "Name: unknown", new_string: "Name: Ada\nLikes chess" },
          },
        ],
      },
      { toolCalls: [{ name: "memory_finish_edits", arguments: {} }] },
    );
    const third = await send(primary.id, "Let's play.");
    // The third turn made the queued job due, in the turn's own transaction.
    const [due] = await t.store.jobs.list({ kind: SLEEPTIME_JOB_KIND, statuses: ["queued"] });
    expect(due).toMatchObject({ id: idle?.id, payload: { trigger: "frequency" } });
    expect(new Date(due!.run_after).getTime()).toBeLessThanOrEqual(clock.now().getTime());
    await t.services.jobs.drain();

    expect(sleeperCalls()).toHaveLength(2);
    const input = lastUserText(sleeperCalls()[0]!);
    expect(input).toContain("You are a sleep-time agent");
    expect(input).toContain(
      "Messages:\nuser: Hi, I am Ada.\nassistant: ok\nuser: I like chess.\nassistant: ok\nuser: Let's play.\nassistant: ok",
    );

    const human = (await t.call("GET", `/v1/agents/${primary.id}/core-memory/blocks/human`)).body;
    expect(human.value).toBe("Name: Ada\nLikes chess");
    const revisions = await t.store.blocks.revisions(human.id, { order: "asc" });
    const runs = (await t.call("GET", `/v1/runs/?agent_id=${sleeperId}`)).body as JsonBody[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      run_type: "sleeptime_agent_send_message_async",
      status: "completed",
      stop_reason: "tool_rule",
      background: true,
    });
    expect(revisions.at(-1)).toMatchObject({ actor_type: "agent", actor_id: sleeperId, run_id: runs[0].id });
    const steps = (await t.call("GET", `/v1/runs/${runs[0].id}/steps`)).body as JsonBody[];
    expect(steps).toHaveLength(2);
    expect((await t.call("GET", `/v1/runs/${runs[0].id}/usage`)).body.total_tokens).toBeGreaterThan(0);

    const group = (await t.call("GET", `/v1/groups/${groupId}`)).body;
    expect(group.turns_counter).toBe(3);
    expect(group.last_processed_message_id).toBe(third.messages.at(-1).id);

    // The primary's next request carries the consolidated memory.
    const before = primaryCalls().length;
    await send(primary.id, "What do you know about me?");
    const prompt = systemText(primaryCalls()[before]!);
    expect(prompt).toContain("Likes chess");
    expect(prompt).not.toContain("Name: unknown");

    // What the consolidation changed.
    const changes = (await t.call("GET", `/v1/agents/${primary.id}/sleeptime/changes`)).body;
    expect(changes).toMatchObject({
      agent_id: primary.id,
      sleeptime_agent_id: sleeperId,
      run: { id: runs[0].id },
    });
    expect(changes.changes).toEqual([
      {
        block_id: human.id,
        label: "human",
        before: "Name: unknown",
        after: "Name: Ada\nLikes chess",
        diff: "-Name: unknown\n+Name: Ada\n+Likes chess",
        edits: 1,
      },
    ]);

    // A consolidation on demand reads only what came after the last one.
    const job = await t.call("POST", `/v1/agents/${primary.id}/sleeptime/run`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ kind: "sleeptime", status: "queued", payload: { trigger: "manual" } });
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(3);
    expect(lastUserText(sleeperCalls()[2]!)).toContain(
      "Messages:\nuser: What do you know about me?\nassistant: ok",
    );
    expect((await t.store.jobs.get(job.body.id))?.status).toBe("succeeded");
    const noEdits = (await t.call("GET", `/v1/agents/${primary.id}/sleeptime/changes`)).body;
    expect(noEdits.changes).toEqual([]);
    expect(noEdits.run.id).not.toBe(runs[0].id);
  });

  it("shows a consolidation's edits however many edits came after them", async () => {
    await start();
    const primary = await createPrimary();
    await t.call("PATCH", `/v1/groups/${primary.multi_agent_group.id}`, {
      manager_config: { sleeptime_agent_frequency: 1 },
    });
    sleeperScript.push({
      toolCalls: [
        {
          name: "memory_replace",
          arguments: { label: "human", old_string: "Name: unknown", new_string: "Name: Ada" },
        },
      ],
    });
    await send(primary.id, "Hi, I am Ada.");
    await t.services.jobs.drain();
    const human = (await t.call("GET", `/v1/agents/${primary.id}/core-memory/blocks/human`)).body;
    expect(human.value).toBe("Name: Ada");
    // The user then edits the block many times by hand.
    for (let i = 1; i <= 205; i++) {
      expect((await t.call("PATCH", `/v1/blocks/${human.id}`, { value: `Name: Ada (${i})` })).status).toBe(
        200,
      );
    }
    const changes = (await t.call("GET", `/v1/agents/${primary.id}/sleeptime/changes`)).body;
    expect(changes.changes).toEqual([
      {
        block_id: human.id,
        label: "human",
        before: "Name: unknown",
        after: "Name: Ada",
        diff: "-Name: unknown\n+Name: Ada",
        edits: 1,
      },
    ]);
  });

  it("follows up on a turn that ended while a consolidation ran, and shares blocks attached since", async () => {
    await start();
    const primary = await createPrimary();
    const sleeperId = primary.multi_agent_group.agent_ids[0];
    await t.call("PATCH", `/v1/groups/${primary.multi_agent_group.id}`, {
      manager_config: { sleeptime_agent_frequency: 1 },
    });
    let interleaved = false;
    openai.script.respondWith(async (request) => {
      if (!isSleeptimeCall(request)) return { text: "ok" };
      if (!interleaved) {
        interleaved = true;
        // The user talks to the primary while its sleep-time agent is at work.
        await send(primary.id, "Meanwhile: I moved to Oslo.");
      }
      return { toolCalls: [{ name: "memory_finish_edits", arguments: {} }] };
    });
    const notes = await t.call("POST", "/v1/blocks/", { label: "notes", value: "none yet" });
    await t.call("PATCH", `/v1/agents/${primary.id}/core-memory/blocks/attach/${notes.body.id}`);
    await send(primary.id, "Hello");
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(2);
    expect(lastUserText(sleeperCalls()[0]!)).toContain("user: Hello");
    expect(lastUserText(sleeperCalls()[0]!)).not.toContain("Oslo");
    expect(lastUserText(sleeperCalls()[1]!)).toContain("Messages:\nuser: Meanwhile: I moved to Oslo.");
    expect(systemText(sleeperCalls()[0]!)).toContain("none yet");
    const jobs = await t.store.jobs.list({ kind: SLEEPTIME_JOB_KIND, order: "asc" });
    expect(jobs.map((job) => [job.status, job.payload.trigger])).toEqual([
      ["succeeded", "frequency"],
      ["succeeded", "frequency"],
    ]);
    // Detached from the primary, the block is no longer the sleep-time agent's either.
    await t.call("PATCH", `/v1/agents/${primary.id}/core-memory/blocks/detach/${notes.body.id}`);
    await t.call("POST", `/v1/agents/${primary.id}/sleeptime/run`);
    await t.services.jobs.drain();
    const labels = (await t.call("GET", `/v1/agents/${sleeperId}`)).body.blocks.map((b: JsonBody) => b.label);
    expect(labels.sort()).toEqual(["human", "memory_persona", "persona"]);
  });

  it("consolidates after the agent has been idle with unprocessed messages", async () => {
    await start({ idleMs: 60_000 });
    const primary = await createPrimary();
    await send(primary.id, "My cat is called Tom.");
    clock.advance(30_000);
    await send(primary.id, "He is grey.");
    clock.advance(40_000);
    // 70 s after the first turn but 40 s after the last: not idle long enough.
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(0);
    clock.advance(25_000);
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(1);
    expect(lastUserText(sleeperCalls()[0]!)).toContain("user: My cat is called Tom.");
    expect(lastUserText(sleeperCalls()[0]!)).toContain("user: He is grey.");
    // Nothing new: no further run, however long the agent stays idle.
    clock.advance(3_600_000);
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(1);
  });

  it("stops a runaway sleep-time agent at its token budget and records why", async () => {
    await start({ maxTokens: 3000, maxSteps: 50 });
    const primary = await createPrimary();
    const sleeperId = primary.multi_agent_group.agent_ids[0];
    await t.call("PATCH", `/v1/groups/${primary.multi_agent_group.id}`, {
      manager_config: { sleeptime_agent_frequency: 1 },
    });
    // The sleep-time agent never finishes: it keeps inserting.
    openai.script.respondWith((request) =>
      isSleeptimeCall(request)
        ? {
            toolCalls: [{ name: "memory_insert", arguments: { label: "human", new_string: "more" } }],
            usage: { inputTokens: 900, outputTokens: 100 },
          }
        : { text: "ok" },
    );
    await send(primary.id, "Hello");
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(3);
    const [run] = (await t.call("GET", `/v1/runs/?agent_id=${sleeperId}`)).body as JsonBody[];
    expect(run).toMatchObject({ stop_reason: "max_tokens_exceeded", status: "failed" });
    const [job] = await t.store.jobs.list({ kind: SLEEPTIME_JOB_KIND });
    expect(job).toMatchObject({ status: "succeeded", result: { stop_reason: "max_tokens_exceeded" } });
    // The budget stop counts as processed: the same transcript is not retried.
    await t.services.jobs.drain();
    expect(sleeperCalls()).toHaveLength(3);
  });

  it("retries a sleep-time run that failed on the LLM, and refuses a consolidation without a sleep-time agent", async () => {
    await start();
    const primary = await createPrimary({ enable_sleeptime: false });
    const refused = await t.call("POST", `/v1/agents/${primary.id}/sleeptime/run`);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain("enable_sleeptime");
    expect(
      (await t.call("POST", "/v1/agents/agent-00000000-0000-4000-8000-00000000ffff/sleeptime/run")).status,
    ).toBe(404);

    const enabled = (await t.call("PATCH", `/v1/agents/${primary.id}`, { enable_sleeptime: true })).body;
    await send(primary.id, "Remember: I live in Lyon.");
    openai.script.failNext({ fault: "server-error", status: 500 });
    const job = (await t.call("POST", `/v1/agents/${primary.id}/sleeptime/run`)).body;
    await t.services.jobs.drain();
    expect(await t.store.jobs.get(job.id)).toMatchObject({ status: "queued", attempts: 1 });
    clock.advance(10_000); // past the backoff
    await t.services.jobs.drain();
    expect(await t.store.jobs.get(job.id)).toMatchObject({ status: "succeeded", attempts: 2 });
    const runs = (
      await t.call("GET", `/v1/runs/?agent_id=${enabled.multi_agent_group.agent_ids[0]}&order=asc`)
    ).body as JsonBody[];
    expect(runs.map((run) => run.stop_reason)).toEqual(["llm_api_error", "tool_rule"]);
  });

  it("names the sleep-time run in the triggering turn's usage.run_ids, listed under the sleep-time agent", async () => {
    await start();
    const primary = await createPrimary();
    const groupId = primary.multi_agent_group.id;
    const sleeperId = primary.multi_agent_group.agent_ids[0];
    await t.call("PATCH", `/v1/groups/${groupId}`, { manager_config: { sleeptime_agent_frequency: 2 } });

    const first = await send(primary.id, "Hi, I am Ada.");
    expect(first.usage.run_ids).toHaveLength(1);
    const second = await send(primary.id, "I like chess.");
    const [primaryRun, sleeptimeRun] = second.usage.run_ids;
    expect(sleeptimeRun).toMatch(/^run-/);
    // Listed at once under the sleep-time agent's runs, before it ran.
    const listed = (await t.call("GET", `/v1/runs/?agent_id=${sleeperId}`)).body as JsonBody[];
    expect(listed.map((run) => [run.id, run.status])).toEqual([[sleeptimeRun, "created"]]);
    expect(
      (await t.call("GET", `/v1/runs/?agent_id=${primary.id}`)).body.map((run: JsonBody) => run.id),
    ).toContain(primaryRun);

    await t.services.jobs.drain();
    const done = (await t.call("GET", `/v1/runs/${sleeptimeRun}`)).body;
    expect(done).toMatchObject({ agent_id: sleeperId, status: "completed", stop_reason: "tool_rule" });
    expect(done.metadata).toMatchObject({ primary_agent_id: primary.id, trigger: "frequency" });
    expect(sleeperCalls()).toHaveLength(1);
    // The sleep-time work ran in the named run: no other run of the sleep-time agent exists.
    expect((await t.call("GET", `/v1/runs/?agent_id=${sleeperId}`)).body).toHaveLength(1);
  });

  it("attaches a block attached to the primary to its sleep-time agent too, and detaches it with it", async () => {
    await start();
    const primary = await createPrimary();
    const sleeperId = primary.multi_agent_group.agent_ids[0];
    const notes = (await t.call("POST", "/v1/blocks/", { label: "notes", value: "shared notes" })).body;
    const attached = await t.call("PATCH", `/v1/agents/${primary.id}/core-memory/blocks/attach/${notes.id}`);
    expect(attached.status).toBe(200);
    const labels = async () =>
      ((await t.call("GET", `/v1/agents/${sleeperId}`)).body.blocks as JsonBody[]).map(
        (block) => block.label,
      );
    expect(await labels()).toContain("notes");
    expect(
      (await t.call("GET", `/v1/blocks/${notes.id}/agents`)).body.map((agent: JsonBody) => agent.id).sort(),
    ).toEqual([primary.id, sleeperId].sort());

    await t.call("PATCH", `/v1/agents/${primary.id}/core-memory/blocks/detach/${notes.id}`);
    expect(await labels()).not.toContain("notes");
    expect(await labels()).toContain("memory_persona");

    // Replacing the primary's blocks (block_ids on a PATCH) carries over as well.
    await t.call("PATCH", `/v1/agents/${primary.id}`, {
      block_ids: [...primary.blocks.map((block: JsonBody) => block.id), notes.id],
    });
    expect(await labels()).toEqual(expect.arrayContaining(["human", "persona", "memory_persona", "notes"]));
    expect(sleeperCalls()).toHaveLength(0);
  });
});
