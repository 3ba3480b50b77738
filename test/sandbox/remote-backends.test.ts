import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerSandbox } from "../../src/runtime/tools/sandbox/docker-sandbox.js";
import { connectFrame, connectMessages, E2bSandbox } from "../../src/runtime/tools/sandbox/e2b-sandbox.js";
import { findExecutable } from "../../src/runtime/tools/sandbox/executables.js";
import type { SandboxRunRequest } from "../../src/runtime/tools/sandbox/sandbox.js";
import { createSandbox, sandboxConfigFromEnv } from "../../src/runtime/tools/sandbox/select-sandbox.js";

// The docker and e2b backends against local stand-ins that run the command for real: a `docker` CLI
// script that honours `-e NAME` and runs the command after the image, and an E2B API + sandbox daemon
// on 127.0.0.1 speaking E2B's REST and Connect wire formats. The real services (a Docker daemon, an
// E2B_API_KEY) are exercised at the end of the file only when present.

const root = mkdtempSync(join(tmpdir(), "reverie-remote-sandbox-"));

function python(source: string, extra: Partial<SandboxRunRequest> = {}): SandboxRunRequest {
  return {
    language: "python",
    source,
    functionName: "tool",
    args: {},
    env: { LETTA_AGENT_ID: "agent-r" },
    ...extra,
  };
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("docker backend (fake docker CLI)", () => {
  const configDir = join(root, "docker-config");
  const fakeDocker = join(root, "docker");
  let sandbox: DockerSandbox;

  beforeAll(() => {
    mkdirSync(configDir);
    writeFileSync(
      fakeDocker,
      [
        "#!/bin/bash",
        'echo "$*" >> "$DOCKER_CONFIG/calls"',
        'if [ "$1" = "rm" ]; then exit 0; fi',
        "shift",
        "names=()",
        "while [ $# -gt 0 ]; do",
        '  case "$1" in',
        "    --rm|-i|--read-only) shift;;",
        '    -e) names+=("$2"); shift 2;;',
        "    -*) shift 2;;",
        "    *) break;;",
        "  esac",
        "done",
        'image="$1"; shift',
        'command="$1"; shift',
        "vars=()",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
        'for name in "${names[@]}"; do vars+=("$name=${!name}"); done',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
        'exec env -i "${vars[@]}" "/usr/bin/$command" "$@"',
      ].join("\n"),
    );
    chmodSync(fakeDocker, 0o755);
    sandbox = new DockerSandbox({
      docker: fakeDocker,
      pythonImage: "python:test",
      nodeImage: "node:test",
      network: false,
      cliEnv: { DOCKER_CONFIG: configDir },
    });
  });

  it("runs the tool with its variables passed by name only, under the container limits", async () => {
    const result = await sandbox.run(
      python("import os\ndef tool(word: str):\n    return word + ' ' + os.environ['SECRET_TOKEN']\n", {
        args: { word: "hello" },
        env: { LETTA_AGENT_ID: "agent-r", SECRET_TOKEN: "s3cret-value" },
        memoryBytes: 512 * 1024 * 1024,
        maxProcesses: 16,
      }),
    );
    expect(result).toMatchObject({ ok: true, value: "hello s3cret-value" });
    // The driver program spans lines: the log holds this one call.
    const call = readFileSync(join(configDir, "calls"), "utf8");
    expect(call).toContain("--network none");
    expect(call).toContain(`--memory ${512 * 1024 * 1024}`);
    expect(call).toContain("--pids-limit 16");
    expect(call).toContain("--cap-drop ALL");
    expect(call).toContain("--user 65534:65534");
    expect(call).toContain("-e SECRET_TOKEN");
    expect(call).toContain(" python:test python3 -I -c ");
    expect(call).not.toContain("s3cret-value");
  });

  it("runs a TypeScript tool in the node image", async () => {
    const result = await sandbox.run({
      language: "typescript",
      source: "export function tool(n: number): number { return n * 2 }",
      functionName: "tool",
      args: { n: 21 },
      env: {},
    });
    expect(result).toMatchObject({ ok: true, value: "42" });
    expect(readFileSync(join(configDir, "calls"), "utf8")).toContain(" node:test node ");
  });

  it("removes the container of a run that times out", async () => {
    const result = await sandbox.run(
      python("import time\ndef tool():\n    time.sleep(60)\n", { timeoutMs: 1_000 }),
    );
    expect(result.error?.name).toBe("TimeoutError");
    const calls = readFileSync(join(configDir, "calls"), "utf8").trim();
    expect(calls).toMatch(/\nrm -f reverie-tool-[0-9a-f]{16}$/);
  });

  it("is chosen with REVERIE_TOOL_SANDBOX=docker and images from the environment", () => {
    const config = sandboxConfigFromEnv({
      REVERIE_TOOL_SANDBOX: "docker",
      REVERIE_TOOL_DOCKER_IMAGE: "my/tools:1",
      OPENAI_API_KEY: "sk-not-for-docker",
      HOME: "/home/op",
    });
    expect(config.docker).toEqual({
      pythonImage: "my/tools:1",
      nodeImage: "node:22-slim",
      cliEnv: { HOME: "/home/op" },
    });
    const chosen = createSandbox(config, { warn: () => {}, env: { PATH: dirname(fakeDocker) } });
    expect(chosen.kind).toBe("docker");
    const missing = createSandbox(config, { warn: () => {}, env: { PATH: "/nonexistent" } });
    expect(missing.kind).toBe("unavailable");
  });
});

interface FakeE2b {
  url: string;
  created: unknown[];
  deleted: string[];
  server: Server;
}

/** E2B's control API and one sandbox daemon (envd) on 127.0.0.1; processes run here, in a temp folder. */
async function startFakeE2b(): Promise<FakeE2b> {
  const created: unknown[] = [];
  const deleted: string[] = [];
  let next = 0;
  const body = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/sandboxes" && request.method === "POST") {
      if (request.headers["x-api-key"] !== "e2b_test_key") {
        response.writeHead(401).end('{"message":"bad key"}');
        return;
      }
      const spec = JSON.parse((await body(request)).toString("utf8")) as Record<string, unknown>;
      created.push(spec);
      const id = `sbx${++next}`;
      mkdirSync(join(root, id), { recursive: true });
      response.writeHead(201, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          sandboxID: id,
          envdAccessToken: `token-${id}`,
          domain: "fake.local",
          templateID: spec.templateID,
        }),
      );
      return;
    }
    if (url.pathname.startsWith("/sandboxes/") && request.method === "DELETE") {
      deleted.push(decodeURIComponent(url.pathname.slice("/sandboxes/".length)));
      response.writeHead(204).end();
      return;
    }
    const id = url.pathname.split("/")[1] ?? "";
    const token = request.headers["x-access-token"];
    if (token !== `token-${id}`) {
      response.writeHead(401).end();
      return;
    }
    const sandboxDir = join(root, id);
    const local = (path: string) => path.replaceAll("/tmp/reverie-tool", sandboxDir);
    if (url.pathname === `/${id}/files` && request.method === "POST") {
      writeFileSync(local(url.searchParams.get("path") ?? ""), await body(request));
      response.writeHead(200, { "content-type": "application/json" }).end("[]");
      return;
    }
    if (url.pathname === `/${id}/process.Process/Start`) {
      const frame = await body(request);
      const start = JSON.parse(frame.subarray(5).toString("utf8")) as {
        process: { cmd: string; args: string[]; envs: Record<string, string> };
      };
      response.writeHead(200, { "content-type": "application/connect+json" });
      const child = spawn(start.process.cmd, start.process.args.map(local), {
        env: { PATH: "/usr/bin:/bin", ...start.process.envs },
      });
      response.write(connectFrame({ event: { start: { pid: child.pid } } }));
      child.stdout.on("data", (chunk: Buffer) =>
        response.write(connectFrame({ event: { data: { stdout: chunk.toString("base64") } } })),
      );
      child.stderr.on("data", (chunk: Buffer) =>
        response.write(connectFrame({ event: { data: { stderr: chunk.toString("base64") } } })),
      );
      response.on("close", () => child.kill("SIGKILL"));
      child.on("close", (code) => {
        response.write(
          connectFrame({
            event: { end: { exitCode: code ?? -1, exited: code !== null, status: `exit status ${code}` } },
          }),
        );
        response.end(connectFrame({}, 2));
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, created, deleted, server };
}

describe("e2b backend (local fake of E2B's API and sandbox daemon)", () => {
  let fake: FakeE2b;
  let sandbox: E2bSandbox;

  beforeAll(async () => {
    fake = await startFakeE2b();
    sandbox = new E2bSandbox({
      apiKey: "e2b_test_key",
      domain: "fake.local",
      template: "base",
      network: true,
      apiUrl: fake.url,
      envdUrl: (id) => `${fake.url}/${id}`,
    });
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  it("creates a sandbox with the tool's variables, runs the tool, and deletes the sandbox", async () => {
    const result = await sandbox.run(
      python(
        "import os\ndef tool(n: int):\n    print('working')\n    return {'n': n, 'agent': os.environ['LETTA_AGENT_ID']}\n",
        {
          args: { n: 5 },
        },
      ),
    );
    expect(result).toMatchObject({ ok: true, value: '{"n": 5, "agent": "agent-r"}', stdout: "working\n" });
    expect(fake.created.at(-1)).toMatchObject({ templateID: "base", envVars: { LETTA_AGENT_ID: "agent-r" } });
    expect(fake.deleted).toContain("sbx1");
  });

  it("returns a JavaScript tool's error and agent_state edits like the local backends", async () => {
    const thrown = await sandbox.run({
      language: "javascript",
      source: "function tool() { throw new RangeError('too far') }",
      functionName: "tool",
      args: {},
      env: {},
    });
    expect(thrown.error).toEqual({
      name: "RangeError",
      message: "too far",
      traceback: "RangeError: too far",
    });
    const edited = await sandbox.run(
      python(
        "def tool(agent_state):\n    agent_state.memory.update_block_value('human', 'edited')\n    return 'ok'\n",
        {
          agentState: { id: "agent-r", name: "r", blocks: [{ label: "human", value: "before" }] },
        },
      ),
    );
    expect(edited.agentStateChanges).toEqual({ blocks: [{ label: "human", value: "edited" }] });
  });

  it("stops a run at its timeout and at its output cap, deleting the sandbox each time", async () => {
    const before = fake.deleted.length;
    const slow = await sandbox.run(
      python("import time\ndef tool():\n    time.sleep(60)\n", { timeoutMs: 1_000 }),
    );
    expect(slow.error?.name).toBe("TimeoutError");
    const loud = await sandbox.run(
      python(
        "import sys\ndef tool():\n    for _ in range(100):\n        sys.stdout.write('x' * 65536)\n        sys.stdout.flush()\n",
        {
          outputBytes: 256 * 1024,
        },
      ),
    );
    expect(loud.error?.name).toBe("OutputLimitError");
    expect(fake.deleted.length).toBe(before + 2);
  });

  it("reports a refused key as a tool error", async () => {
    const refused = new E2bSandbox({
      apiKey: "wrong",
      domain: "fake.local",
      template: "base",
      network: true,
      apiUrl: fake.url,
    });
    const result = await refused.run(python("def tool():\n    return 1\n"));
    expect(result.error?.name).toBe("SandboxError");
    expect(result.error?.message).toMatch(/^E2B refused to create a sandbox \(401\)/);
  });

  it("frames Connect messages both ways", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const both = Buffer.concat([connectFrame({ a: 1 }), connectFrame({ error: { message: "x" } }, 2)]);
        controller.enqueue(both.subarray(0, 7));
        controller.enqueue(both.subarray(7));
        controller.close();
      },
    });
    const messages = [];
    for await (const message of connectMessages(stream)) messages.push(message);
    expect(messages).toEqual([
      { end: false, json: { a: 1 } },
      { end: true, json: { error: { message: "x" } } },
    ]);
  });
});

const dockerDaemon =
  findExecutable("docker") && spawnSync("docker", ["info"], { timeout: 10_000 }).status === 0;

describe.skipIf(!dockerDaemon)("docker backend (real daemon; skipped when none runs)", () => {
  it("runs a Python tool in the default image", async () => {
    const sandbox = createSandbox(
      sandboxConfigFromEnv({ REVERIE_TOOL_SANDBOX: "docker", PATH: process.env.PATH }),
      {
        warn: () => {},
        env: process.env,
      },
    );
    const result = await sandbox.run(
      python("def tool():\n    return 'in a container'\n", { timeoutMs: 120_000 }),
    );
    expect(result).toMatchObject({ ok: true, value: "in a container" });
  }, 180_000);
});

describe.skipIf(!process.env.E2B_API_KEY)("e2b backend (real E2B; skipped without E2B_API_KEY)", () => {
  it("runs a Python tool in an E2B sandbox", async () => {
    const sandbox = createSandbox(sandboxConfigFromEnv({ ...process.env, REVERIE_TOOL_SANDBOX: "e2b" }), {
      warn: () => {},
    });
    const result = await sandbox.run(
      python("def tool():\n    return 'in a microVM'\n", { timeoutMs: 60_000 }),
    );
    expect(result).toMatchObject({ ok: true, value: "in a microVM" });
  }, 120_000);
});
