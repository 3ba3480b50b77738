import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findExecutable } from "../../src/runtime/tools/sandbox/executables.js";
import {
  formatToolError,
  type Sandbox,
  type SandboxRunRequest,
} from "../../src/runtime/tools/sandbox/sandbox.js";
import { createSandbox, sandboxConfigFromEnv } from "../../src/runtime/tools/sandbox/select-sandbox.js";
import { openSqliteStore } from "../../src/store/sqlite/open.js";
import type { Store } from "../../src/store/store.js";

// The sandbox escape suite: hostile tools on the default backend (bubblewrap, installed by
// scripts/install-system-packages.sh before `npm test`). Each gets a tool error and nothing it should
// not, and the server process keeps serving.

const PROVIDER_KEY = "sk-escape-suite-provider-key";
const SECRET_KEY = "escape-suite-reverie-secret";

let sandbox: Sandbox;
let dataDir: string;
let dbPath: string;
let store: Store;
const savedEnv = { ...process.env };

function python(source: string, extra: Partial<SandboxRunRequest> = {}): SandboxRunRequest {
  return {
    language: "python",
    source,
    functionName: "tool",
    args: {},
    env: { LETTA_AGENT_ID: "agent-escape", TOOL_VAR: "visible" },
    ...extra,
  };
}

/** Counts this test's event-loop turns while a run is in flight: the server must stay responsive. */
async function whileCounting<T>(work: Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
  }, 50);
  try {
    const result = await work;
    return { result, ticks };
  } finally {
    clearInterval(timer);
  }
}

/** The sandbox's processes are gone once a run returns (its PID namespace dies with it). */
async function sandboxProcessesLeft(tag: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const left = readdirSync("/proc").filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        return readFileSync(`/proc/${entry}/environ`, "latin1").includes(tag);
      } catch {
        return false;
      }
    }).length;
    if (left === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return -1;
}

beforeAll(async () => {
  expect(
    findExecutable("bwrap"),
    "bubblewrap must be installed (scripts/install-system-packages.sh)",
  ).toBeTruthy();
  process.env.OPENAI_API_KEY = PROVIDER_KEY;
  process.env.REVERIE_SECRET_KEY = SECRET_KEY;
  dataDir = mkdtempSync(join(tmpdir(), "reverie-escape-"));
  dbPath = join(dataDir, "reverie.db");
  store = await openSqliteStore({ path: dbPath });
  sandbox = createSandbox(sandboxConfigFromEnv({}), { warn: () => {}, env: process.env });
  expect(sandbox.kind).toBe("bubblewrap");
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.env = savedEnv;
});

describe("sandbox escape suite (bubblewrap)", () => {
  it("a tool reading the environment sees only its own variables and LETTA_AGENT_ID", async () => {
    const result = await sandbox.run(
      python("import os, json\ndef tool():\n    return json.dumps(dict(os.environ))\n"),
    );
    expect(result.ok).toBe(true);
    const seen = JSON.parse(result.value ?? "{}") as Record<string, string>;
    expect(seen.LETTA_AGENT_ID).toBe("agent-escape");
    expect(seen.TOOL_VAR).toBe("visible");
    expect(Object.keys(seen).filter((name) => name.startsWith("REVERIE_"))).toEqual([]);
    expect(seen.OPENAI_API_KEY).toBeUndefined();
    expect(result.value).not.toContain(PROVIDER_KEY);
    expect(result.value).not.toContain(SECRET_KEY);
    // Nor through /proc: the server's process is not in the tool's PID namespace.
    const proc = await sandbox.run(
      python(
        `def tool():\n    try:\n        return open("/proc/${process.pid}/environ").read()\n    except OSError as error:\n        return "refused: " + type(error).__name__\n`,
      ),
    );
    expect(proc.value).toMatch(/^refused: /);
    expect(proc.value).not.toContain(PROVIDER_KEY);
  });

  it("a tool opening the database file or listing the data directory fails", async () => {
    const result = await sandbox.run(
      python(`import os\ndef tool(path: str):\n    return open(path, "rb").read(16)\n`, {
        args: { path: dbPath },
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe("FileNotFoundError");
    const listing = await sandbox.run(
      python(`import os\ndef tool(path: str):\n    return os.listdir(path)\n`, { args: { path: dataDir } }),
    );
    expect(listing.ok).toBe(false);
    expect(listing.error?.name).toBe("FileNotFoundError");
    expect(formatToolError("tool", listing.error ?? { name: "", message: "" })).toMatch(
      /^Error executing function tool: FileNotFoundError: /,
    );
    // Nothing of the host's private folders, and nothing writable outside /tmp.
    const around = await sandbox.run(
      python(
        `import os\ndef tool():\n    seen = {}\n    for path in ["/root", "/home", "/work", "/var", "/etc/shadow", "${process.cwd()}"]:\n        seen[path] = os.path.exists(path)\n    try:\n        open("/usr/escape", "w")\n        seen["write_usr"] = True\n    except OSError:\n        seen["write_usr"] = False\n    return seen\n`,
      ),
    );
    expect(JSON.parse(around.value ?? "{}")).toEqual({
      "/root": false,
      "/home": false,
      "/work": false,
      "/var": false,
      "/etc/shadow": false,
      [process.cwd()]: false,
      write_usr: false,
    });
    // The store is untouched and still serves.
    expect(await store.organizations.list()).toBeInstanceOf(Array);
  });

  it("a fork bomb is capped and stopped; the server keeps serving", async () => {
    const tag = "FORK_BOMB_TAG_1";
    const { result, ticks } = await whileCounting(
      sandbox.run(
        python(
          `import os\ndef tool():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n`,
          { timeoutMs: 4_000, maxProcesses: 32, env: { LETTA_AGENT_ID: "agent-escape", BOMB: tag } },
        ),
      ),
    );
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe("TimeoutError");
    expect(formatToolError("tool", result.error ?? { name: "", message: "" })).toBe(
      "Error executing function tool: TimeoutError: the tool did not finish within 4 s and was stopped",
    );
    expect(ticks).toBeGreaterThan(10);
    expect(await sandboxProcessesLeft(tag)).toBe(0);
    // The cap held: a tool counting its own forks gets refused near the limit.
    const counted = await sandbox.run(
      python(
        `import os, time\ndef tool():\n    children = 0\n    for _ in range(500):\n        try:\n            pid = os.fork()\n        except OSError as error:\n            return f"refused after {children}: {type(error).__name__}"\n        if pid == 0:\n            time.sleep(30)\n            os._exit(0)\n        children += 1\n    return f"forked {children}"\n`,
        { maxProcesses: 32, timeoutMs: 20_000 },
      ),
    );
    expect(counted.value).toMatch(/^refused after (\d+): BlockingIOError$/);
    expect(Number(/after (\d+)/.exec(counted.value ?? "")?.[1])).toBeLessThan(32);
  });

  it("allocating 10 GB fails with MemoryError", async () => {
    const result = await sandbox.run(
      python(`def tool():\n    block = bytearray(10 * 1024 ** 3)\n    return len(block)\n`, {
        memoryBytes: 256 * 1024 * 1024,
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe("MemoryError");
  });

  it("allocating 10 GB in JavaScript fails too", async () => {
    const result = await sandbox.run({
      language: "javascript",
      source:
        "function tool() { const parts = []; for (let i = 0; i < 10; i++) parts.push(Buffer.alloc(1024 ** 3, 1)); return parts.length; }",
      functionName: "tool",
      args: {},
      env: {},
      memoryBytes: 256 * 1024 * 1024,
    });
    expect(result.ok).toBe(false);
    expect(result.error?.name).toMatch(/RangeError|ToolKilledError/);
  });

  it("printing 100 MB is cut at the output cap and the tool stopped", async () => {
    const outputBytes = 1024 * 1024;
    const result = await sandbox.run(
      python(
        `import sys\ndef tool():\n    chunk = "x" * 65536\n    for _ in range(1600):\n        sys.stdout.write(chunk)\n    return "done"\n`,
        { outputBytes },
      ),
    );
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe("OutputLimitError");
    expect(result.error?.message).toBe("the tool printed more than 1 MiB and was stopped");
    expect(result.stdout.length + result.stderr.length).toBeLessThanOrEqual(outputBytes);
  });

  it("sleeping past the timeout is killed", async () => {
    const tag = "SLEEPER_TAG_1";
    const result = await sandbox.run(
      python(`import time\ndef tool():\n    time.sleep(600)\n    return "woke"\n`, {
        timeoutMs: 1_500,
        env: { SLEEPER: tag },
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe("TimeoutError");
    expect(await sandboxProcessesLeft(tag)).toBe(0);
  });

  it("after every hostile tool, an ordinary tool still runs", async () => {
    const result = await sandbox.run(
      python(`def tool(a: int, b: int):\n    return a + b\n`, { args: { a: 2, b: 3 } }),
    );
    expect(result).toMatchObject({ ok: true, value: "5" });
  });
});
