import { expect, it, vi } from "vitest";
import { systemClock } from "../../src/domain/index.js";
import { INTERRUPTED_ERROR, recoverInterruptedRuns } from "../../src/runtime/agent-loop/recovery.js";
import { enqueueJob } from "../../src/runtime/jobs/job-worker.js";
import { openStore } from "../../src/store/open-store.js";
import type { JsonBody } from "../helpers/agent-turns.js";
import { callServer, useCrashHarness } from "../helpers/crash-harness.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createFixtures } from "../store/fixtures.js";

// Real server processes killed with SIGKILL and started again on a machine shared with other suites.
vi.setConfig({ testTimeout: 180_000 });

describeOnEachStore("async sends and crashes", (storeKind) => {
  const harness = useCrashHarness(storeKind, "reverie-async-crash-");

  it("finds every input answered with 200 after a SIGKILL right after the answer", async () => {
    const trials = 5;
    let server = await harness.start();
    const created = await callServer(server, "POST", "/v1/agents/", { model: "openai/gpt-4o-mini" });
    expect(created.status).toBe(200);
    const agentId: string = created.body.id;

    const accepted: Array<{ runId: string; text: string }> = [];
    for (let trial = 0; trial < trials; trial++) {
      const text = `Acknowledged input number ${trial}`;
      const sent = await callServer(server, "POST", `/v1/agents/${agentId}/messages/async`, {
        messages: [{ role: "user", content: text }],
      });
      // Killed the moment the 200 arrives: whatever the turn had done by then.
      await server.stop("SIGKILL");
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      accepted.push({ runId: sent.body.id, text });
      server = await harness.start();
    }

    // Every accepted run ends (resumed by its job, or failed if it was cut mid-turn), never stays open,
    // and its input is in the agent's history.
    const settled = async () => {
      const runs = await Promise.all(
        accepted.map(({ runId }) => callServer(server, "GET", `/v1/runs/${runId}`)),
      );
      return runs.every((run) => run.body.status === "completed" || run.body.status === "failed");
    };
    for (let wait = 0; wait < 120 && !(await settled()); wait++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const messages = await callServer(server, "GET", `/v1/agents/${agentId}/messages?limit=100&order=asc`);
    const userTexts = (messages.body as JsonBody[])
      .filter((message) => message.message_type === "user_message")
      .map((message) => message.content);
    for (const { runId, text } of accepted) {
      const run = await callServer(server, "GET", `/v1/runs/${runId}`);
      expect(["completed", "failed"], `${runId}: ${JSON.stringify(run.body)}`).toContain(run.body.status);
      expect(userTexts, runId).toContain(text);
      if (run.body.status === "failed") expect(run.body.metadata.error.error_type).toBe("interrupted");
    }
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  it("settles every unfinished run at start-up the same way, past any page size", async () => {
    const store = await openStore(harness.databaseUrl);
    try {
      const f = createFixtures();
      const agent = await store.agents.create(f.agent());
      const many = [];
      for (let index = 0; index < 1_005; index++) {
        many.push(await store.runs.create(f.run(agent.id, { status: "running" })));
      }
      const waiting = await store.runs.create(f.run(agent.id, { status: "created" }));
      await enqueueJob(
        store,
        { clock: systemClock, ids: { next: (prefix: string) => `${prefix}-${waiting.id}` } },
        { kind: "resume_async_run", payload: { run_id: waiting.id }, concurrency_key: `run:${waiting.id}` },
      );
      // A sleep-time run prepared for its queued job waits for that job, like an async send's run.
      const sleeper = await store.agents.create(f.agent());
      const { job: sleeptimeJob } = await enqueueJob(
        store,
        { clock: systemClock, ids: { next: (prefix: string) => `${prefix}-sleeptime-${sleeper.id}` } },
        { kind: "sleeptime", payload: { agent_id: agent.id } },
      );
      const prepared = await store.runs.create(
        f.run(sleeper.id, { status: "created", metadata: { job_id: sleeptimeJob.id } }),
      );
      const orphan = await store.runs.create(f.run(agent.id, { status: "created" }));
      const finished = await store.runs.create(f.run(agent.id, { status: "running" }));
      await store.steps.create(f.step(agent.id, finished.id, { status: "success", stop_reason: "end_turn" }));

      const settled = await recoverInterruptedRuns(store, systemClock);
      expect(settled).toHaveLength(1_005 + 2);
      expect(settled).not.toContain(waiting.id);
      expect(settled).not.toContain(prepared.id);
      expect(await store.runs.get(waiting.id)).toMatchObject({ status: "created" });
      expect(await store.runs.get(prepared.id)).toMatchObject({ status: "created" });
      expect(await store.runs.get(finished.id)).toMatchObject({
        status: "completed",
        stop_reason: "end_turn",
      });
      for (const run of [orphan, many[0]!, many.at(-1)!]) {
        expect(await store.runs.get(run.id)).toMatchObject({
          status: "failed",
          stop_reason: "error",
          metadata: { error: INTERRUPTED_ERROR },
        });
      }
      expect(await store.runs.listUnfinishedInAllOrganizations(10)).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
