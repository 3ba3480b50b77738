import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { type FakeLlmServer, type RecordedRequest, startFakeOpenAI } from "../fake-llm/index.js";
import { type JsonBody, waitFor } from "../helpers/agent-turns.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

// Real server processes on a machine shared with other suites.
vi.setConfig({ testTimeout: 60_000 });

const isSleeptimeCall = (request: RecordedRequest) =>
  request.endpoint === "completion" && request.rawBody.includes("sleep-time memory agent");

async function call(server: ServerProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}

// Letta ran sleep-time agents as in-process tasks, lost on restart. Here the job is in the database:
// a server killed in the middle of one runs it again after a restart.
describe("a sleep-time job cut off by SIGKILL", () => {
  let openai: FakeLlmServer;
  let home: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
    home = mkdtempSync(join(tmpdir(), "reverie-sleeptime-crash-"));
  });
  afterAll(async () => {
    await server?.stop("SIGTERM");
    await openai?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("runs to completion after the server restarts on the same database", async () => {
    const env = {
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
      REVERIE_JOB_LEASE_MS: "1000",
      REVERIE_JOB_POLL_MS: "100",
      REVERIE_SLEEPTIME_IDLE_SECONDS: "0",
    };
    let sleeperCalls = 0;
    openai.script.respondWith((request) => {
      if (!isSleeptimeCall(request)) return { text: "ok" };
      sleeperCalls++;
      // The first attempt hangs until the server is killed under it.
      if (sleeperCalls === 1) return { delayMs: 60_000, text: "never delivered" };
      return sleeperCalls === 2
        ? {
            toolCalls: [
              {
                name: "memory_replace",
                arguments: { label: "human", old_string: "Name: unknown", new_string: "Name: Grace" },
              },
            ],
          }
        : { toolCalls: [{ name: "memory_finish_edits", arguments: {} }] };
    });

    server = await startServerProcess(env);
    const created = await call(server, "POST", "/v1/agents/", {
      model: "openai/gpt-4o-mini",
      memory_blocks: [{ label: "human", value: "Name: unknown" }],
      enable_sleeptime: true,
    });
    expect(created.status).toBe(200);
    const agentId: string = created.body.id;
    const group = created.body.multi_agent_group;
    const sleeperId: string = group.agent_ids[0];
    await call(server, "PATCH", `/v1/groups/${group.id}`, {
      manager_config: { sleeptime_agent_frequency: 1 },
    });

    const sent = await call(server, "POST", `/v1/agents/${agentId}/messages`, { input: "I am Grace." });
    expect(sent.status).toBe(200);
    await waitFor(() => sleeperCalls === 1, "the sleep-time agent's first LLM call");
    expect(await server.stop("SIGKILL")).toBeNull();

    server = await startServerProcess(env);
    await waitFor(async () => {
      const block = await call(server!, "GET", `/v1/agents/${agentId}/core-memory/blocks/human`);
      return block.body.value === "Name: Grace";
    }, "the consolidation to be redone after the restart");
    await waitFor(async () => {
      const runs = await call(server!, "GET", `/v1/runs/?agent_id=${sleeperId}&order=asc`);
      return runs.body.length === 2 && runs.body[1].status === "completed";
    }, "the second sleep-time run to finish");

    const runs = (await call(server, "GET", `/v1/runs/?agent_id=${sleeperId}&order=asc`)).body;
    expect(runs.map((run: JsonBody) => [run.run_type, run.status, run.stop_reason])).toEqual([
      ["sleeptime_agent_send_message_async", "failed", "error"],
      ["sleeptime_agent_send_message_async", "completed", "tool_rule"],
    ]);
    await server.stop("SIGTERM");
    server = undefined;
    const store = await openStore(join(home, "reverie.db"));
    try {
      const jobs = await store.jobs.list({ kind: "sleeptime" });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ status: "succeeded", attempts: 2 });
      expect((await store.groups.get(group.id))?.last_processed_message_id).toBe(
        sent.body.messages.at(-1).id,
      );
    } finally {
      await store.close();
    }
  });
});
