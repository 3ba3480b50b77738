import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { completions, type JsonBody, viewTypes } from "../helpers/agent-turns.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "../server/test-app.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VENV_DIR = "test/mcp/python";
const TIME_SERVER = join(ROOT, VENV_DIR, ".venv", "bin", "mcp-server-time");

/** Runs scripts/python-venv.sh for test/mcp/python (mcp-server-time from PyPI, pinned). */
function prepareVenv(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(ROOT, "scripts", "python-venv.sh"), VENV_DIR], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

// A real, published MCP server (`mcp-server-time`, Python, from PyPI) over stdio: added through
// /v1/mcp-servers with an admin key, its tools listed with the server's own schemas, one attached to an
// agent and called by the model in a real turn, the server's answer reaching the model.
describeOnEachStore("the published mcp-server-time over stdio", (storeKind) => {
  let openai: FakeLlmServer;
  let t: TestApp;
  let admin: Record<string, string>;
  let serverId: string;

  beforeAll(async () => {
    const venv = await prepareVenv();
    if (venv.code !== 0) throw new Error(`scripts/python-venv.sh ${VENV_DIR} failed:\n${venv.output}`);
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini"] });
  }, 300_000);
  afterAll(async () => {
    await openai?.close();
  });
  beforeEach(async () => {
    openai.reset();
    t = await createTestApp({
      store: storeKind,
      auth: {},
      webRoot: false,
      mcp: { stdioAllowed: true },
      providers: { openai: { apiKey: "sk-test", baseUrl: openai.url } },
    });
    admin = { authorization: `Bearer ${(await t.keys!.create({ name: "root", is_admin: true })).key}` };
    const created = await t.call(
      "POST",
      "/v1/mcp-servers/",
      {
        server_name: "time",
        config: { mcp_server_type: "stdio", command: TIME_SERVER, args: ["--local-timezone", "UTC"] },
      },
      admin,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    serverId = created.body.id;
  });
  afterEach(async () => {
    await t.close();
  });

  it("lists the server's tools with its own schemas, and runs convert_time directly", async () => {
    const tools = (await t.call("GET", `/v1/mcp-servers/${serverId}/tools`, undefined, admin))
      .body as JsonBody[];
    expect(tools.map((tool) => tool.name).sort()).toEqual(["convert_time", "get_current_time"]);
    const current = tools.find((tool) => tool.name === "get_current_time");
    expect(current.tool_type).toBe("external_mcp");
    expect(current.json_schema.parameters).toMatchObject({
      type: "object",
      properties: { timezone: { type: "string" } },
      required: ["timezone"],
    });

    const convert = tools.find((tool) => tool.name === "convert_time");
    const converted = await t.call(
      "POST",
      `/v1/mcp-servers/${serverId}/tools/${convert.id}/run`,
      { args: { source_timezone: "UTC", time: "12:00", target_timezone: "Asia/Kolkata" } },
      admin,
    );
    expect(converted.body.status).toBe("success");
    const answer = JSON.parse(converted.body.func_return);
    expect(answer.source.datetime).toMatch(/T12:00:00\+00:00$/);
    expect(answer.target).toMatchObject({ timezone: "Asia/Kolkata" });
    expect(answer.target.datetime).toMatch(/T17:30:00\+05:30$/);
    expect(answer.time_difference).toBe("+5.5h");

    const bad = await t.call(
      "POST",
      `/v1/mcp-servers/${serverId}/tools/${current.id}/run`,
      { args: { timezone: "Mars/Olympus_Mons" } },
      admin,
    );
    expect(bad.body.status).toBe("error");
    expect(bad.body.func_return).toMatch(/Mars\/Olympus_Mons/);
  });

  it("the model calls get_current_time in a turn and the server's answer reaches it", async () => {
    const created = await t.call(
      "POST",
      "/v1/agents/",
      { model: "openai/gpt-4o-mini", tools: ["get_current_time"] },
      admin,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const agentId: string = created.body.id;

    openai.script.push({
      toolCalls: [{ name: "get_current_time", arguments: { timezone: "Asia/Kolkata" } }],
    });
    openai.script.push({ text: "It is evening in Kolkata." });
    const before = Date.now();
    const reply = await t.call(
      "POST",
      `/v1/agents/${agentId}/messages`,
      { messages: [{ role: "user", content: "What time is it in Kolkata?" }] },
      admin,
    );
    expect(reply.status).toBe(200);
    expect(viewTypes(reply.body.messages)).toEqual([
      "tool_call_message",
      "tool_return_message",
      "assistant_message",
    ]);
    expect(reply.body.messages[1]).toMatchObject({ name: "get_current_time", status: "success" });

    // The model was offered the server's schema, and saw the server's answer in the next request.
    const first = completions(openai)[0]?.body as { tools: JsonBody[] } | undefined;
    const offered = first?.tools ?? [];
    expect(offered.map((tool) => tool.function.name)).toContain("get_current_time");
    const next = completions(openai)[1]?.body as { messages: Array<{ role: string; content: string }> };
    const toolMessage = next.messages.findLast((message) => message.role === "tool");
    const packaged = JSON.parse(toolMessage?.content ?? "{}");
    expect(packaged.status).toBe("OK");
    const answer = JSON.parse(packaged.message);
    expect(answer.timezone).toBe("Asia/Kolkata");
    expect(answer.datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);
    // The server's clock, not a canned answer: within ten minutes of this machine's.
    expect(Math.abs(Date.parse(answer.datetime) - before)).toBeLessThan(10 * 60_000);
  });
});
