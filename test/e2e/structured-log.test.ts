import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { REVERIE_BIN, startServerProcess } from "../helpers/server-process.js";

type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** The JSON lines of a stream; anything else (the human start-up lines) is left out. */
function jsonLines(text: string): LogLine[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

let home: string;
let openai: FakeLlmServer;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "reverie-structured-log-"));
  openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
});
afterAll(async () => {
  await openai.close();
  rmSync(home, { recursive: true, force: true });
});

// `reverie server` as run in production: what happened is on stderr, one JSON line per event.
it("writes a JSON line per request and per failed LLM call to stderr, and says why a turn failed", async () => {
  const server = await startServerProcess({
    REVERIE_HOME: home,
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: openai.url,
  });
  let agentId = "";
  let failedRunId = "";
  let streamTrace: string | null = null;
  try {
    const created = await fetch(`${server.url}/v1/agents/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "logged", model: "openai/gpt-4o-mini" }),
    });
    expect(created.status).toBe(200);
    agentId = ((await created.json()) as { id: string }).id;

    openai.script.respondWith(() => ({ fault: "server-error", message: "the upstream model is on fire" }));
    const failed = await fetch(`${server.url}/v1/agents/${agentId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "failing-send-1" },
      body: JSON.stringify({ messages: [{ role: "user", content: "hello?" }] }),
    });
    expect(failed.status).toBe(200);
    expect(failed.headers.get("x-request-id")).toBe("failing-send-1");
    const body = (await failed.json()) as {
      stop_reason: { stop_reason: string };
      messages: Array<Record<string, string>>;
      usage: { run_ids: string[] };
    };
    expect(body.stop_reason.stop_reason).toBe("llm_api_error");
    failedRunId = body.usage.run_ids[0] ?? "";
    expect(body.messages.at(-1)).toMatchObject({
      message_type: "error_message",
      run_id: failedRunId,
      error_type: "llm_server",
    });
    expect(body.messages.at(-1)?.message).toContain("the upstream model is on fire");

    openai.script.respondWith(undefined);
    openai.script.push({ text: "streamed hello" });
    const streamed = await fetch(`${server.url}/v1/agents/${agentId}/messages/stream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "again" }] }),
    });
    expect(streamed.status).toBe(200);
    streamTrace = streamed.headers.get("x-request-id");
    expect(streamTrace).toMatch(/^[0-9a-f]{32}$/);
    expect(await streamed.text()).toContain("streamed hello");
  } finally {
    expect(await server.stop()).toBe(0);
  }

  // stdout keeps the human lines only; the log is on stderr.
  expect(jsonLines(server.stdout())).toEqual([]);
  expect(server.stdout()).toMatch(/listening on http/);
  const lines = jsonLines(server.stderr());
  const requests = lines.filter((line) => line.msg === "request");
  expect(requests).toContainEqual(
    expect.objectContaining({ method: "POST", route: "/v1/agents", status: 200, level: 30 }),
  );
  expect(requests).toContainEqual(
    expect.objectContaining({
      method: "POST",
      route: "/v1/agents/{agent_id}/messages",
      status: 200,
      agent_id: agentId,
      trace_id: "failing-send-1",
      ms: expect.any(Number),
    }),
  );
  expect(requests).toContainEqual(
    expect.objectContaining({
      route: "/v1/agents/{agent_id}/messages/stream",
      agent_id: agentId,
      trace_id: streamTrace,
    }),
  );
  const llmFailure = lines.find((line) => line.msg === "llm call failed");
  expect(llmFailure).toMatchObject({
    level: 50,
    agent_id: agentId,
    run_id: failedRunId,
    provider: "openai",
    model: "openai/gpt-4o-mini",
    status: 500,
    provider_message: expect.stringContaining("the upstream model is on fire"),
  });
  // The retries before it are warnings.
  expect(lines.filter((line) => line.msg === "llm call retried").length).toBeGreaterThan(0);
  expect(server.stderr()).not.toContain("sk-test");
}, 90_000);

it("refuses an unknown REVERIE_LOG_LEVEL at start, naming the variable, without a stack trace", () => {
  const result = spawnSync(process.execPath, [REVERIE_BIN, "server", "--port", "0"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_HOME: home, REVERIE_LOG_LEVEL: "loud" },
    encoding: "utf8",
    timeout: 90_000,
  });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(/REVERIE_LOG_LEVEL must be one of trace, debug, info.*got "loud"/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).not.toMatch(/listening on/);
});
