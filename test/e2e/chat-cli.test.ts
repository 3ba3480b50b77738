import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { REVERIE_BIN, type ServerProcess, startServerProcess } from "../helpers/server-process.js";

const run = promisify(execFile);

// `reverie chat` driven in a real pseudo-terminal (tmux), and `reverie agents`, against a real server
// whose model is the scripted fake.
describe("reverie chat and reverie agents", () => {
  let openai: FakeLlmServer;
  let server: ServerProcess;
  let home: string;
  const socket = `reverie-test-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });

  /** Runs `reverie <args>` to completion (never throws). */
  async function reverie(args: string[], input?: string) {
    try {
      const child = run(process.execPath, [REVERIE_BIN, ...args], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, REVERIE_HOME: home, NO_COLOR: "1" },
      });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
  }

  /** Waits until the pane shows `text`; fails with the screen when it never does. */
  async function waitForScreen(text: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "chat");
      if (typeof text === "string" ? screen.includes(text) : text.test(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`the terminal never showed ${text}:\n${screen}`);
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "reverie-chat-"));
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    server = await startServerProcess({
      REVERIE_HOME: join(home, "server"),
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
    });
  });

  afterAll(async () => {
    try {
      tmux("kill-server");
    } catch {
      // no session left
    }
    await server?.stop();
    await openai?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("agents create, list and delete, with readable errors", async () => {
    const created = await reverie(["agents", "create", "helper", "--url", server.url, "--tag", "cli"]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^agent-/);
    const listed = await reverie(["agents", "list", "--url", server.url]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("helper");
    expect(listed.stdout).toContain("[cli]");

    const notAsked = await reverie(["agents", "delete", "helper", "--url", server.url]);
    expect(notAsked.code).toBe(2);
    expect(notAsked.stderr).toContain("pass --yes");
    const deleted = await reverie(["agents", "delete", "helper", "--yes", "--url", server.url]);
    expect(deleted.code).toBe(0);
    expect((await reverie(["agents", "list", "--url", server.url])).stdout).not.toContain(id);

    const unknown = await reverie(["agents", "delete", "nobody", "--yes", "--url", server.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no agent with id or name 'nobody'");
    const badModel = await reverie(["agents", "create", "x", "--model", "nope/none", "--url", server.url]);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/reverie agents create: creating the agent: .+/);
    const unreachable = await reverie(["agents", "list", "--url", "http://127.0.0.1:9"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach a Reverie server at http://127.0.0.1:9");
    const badUrl = await reverie(["chat", "--url", "ftp://example"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain("--url must be an http(s) URL");
  });

  it("chats in a terminal: streams the reply, shows the memory edit, runs /memory, and quits", async () => {
    openai.script.push(
      {
        toolCalls: [
          { name: "memory_insert", arguments: { label: "human", new_string: "Their name is Ada." } },
        ],
      },
      { text: "Nice to meet you, Ada!" },
    );
    tmux(
      "new-session",
      "-d",
      "-s",
      "chat",
      "-x",
      "160",
      "-y",
      "50",
      "-e",
      `REVERIE_HOME=${home}`,
      "-e",
      "NO_COLOR=1",
      `${process.execPath} ${REVERIE_BIN} chat --url ${server.url}; echo "exited $?"; sleep 30`,
    );
    await waitForScreen("you> ");
    const banner = await waitForScreen(/Chatting with (\S+) \((agent-[\w-]+)\)/);
    const agentId = /\((agent-[\w-]+)\)/.exec(banner)?.[1] as string;

    tmux("send-keys", "-t", "chat", "Hi, I am Ada", "Enter");
    // Typed ahead while the reply still streams: the command must wait its turn, not vanish.
    tmux("send-keys", "-t", "chat", "/memory", "Enter");
    const reply = await waitForScreen("agent> Nice to meet you, Ada!");
    expect(reply).toContain("✎ memory edit memory_insert(label=");
    expect(reply).toContain("block human:");
    expect(reply).toContain("+ Their name is Ada.");

    const memory = await waitForScreen("[human]");
    expect(memory).toMatch(/\[persona\]/);
    expect(memory.slice(memory.indexOf("[human]"))).toContain("Their name is Ada.");

    tmux("send-keys", "-t", "chat", "/history human", "Enter");
    await waitForScreen(/#2 \w+ by agent/);

    tmux("send-keys", "-t", "chat", "/frobnicate", "Enter");
    await waitForScreen("Unknown command /frobnicate. Try /help.");

    tmux("send-keys", "-t", "chat", "/quit", "Enter");
    await waitForScreen("exited 0");

    // The agent is remembered for the next chat on this server.
    const state = JSON.parse(readFileSync(join(home, "chat.json"), "utf8"));
    expect(state.lastAgent[server.url]).toBe(agentId);
    const again = await reverie(["chat", "--url", server.url], "/quit\n");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(${agentId})`);
  });

  it("shows a failed run's stop reason and the provider's message", async () => {
    openai.script.failNext({ fault: "server-error", status: 400, message: "model is overloaded today" });
    const result = await reverie(["chat", "--url", server.url], "hello\n/quit\n");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✗ the run (failed|stopped)/);
    expect(result.stdout).toContain("model is overloaded today");
  });
});
