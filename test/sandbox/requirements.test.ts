import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomToolRunner } from "../../src/runtime/tools/custom/custom-tool-runner.js";
import { findLocalRuntimes } from "../../src/runtime/tools/sandbox/local-runtime.js";
import { createSandbox, sandboxConfigFromEnv } from "../../src/runtime/tools/sandbox/select-sandbox.js";
import {
  createToolEnvironments,
  npmSpec,
  pipSpec,
} from "../../src/runtime/tools/sandbox/tool-environments.js";

// A Python tool with pip_requirements, installed from a wheel this test builds itself (no package index:
// PIP_NO_INDEX + PIP_FIND_LINKS), into a cached environment the bubblewrap sandbox mounts read-only.

const root = mkdtempSync(join(tmpdir(), "reverie-requirements-"));
// The data directory's cache sits in a folder only root may enter, as ~/.reverie under /root does.
const dataDir = join(root, "private-home", ".reverie");
const cacheDir = join(dataDir, "cache", "tool-envs");
const wheels = join(root, "wheels");

/** Writes a minimal valid wheel (a zip with the package and its dist-info) for `name` at `version`. */
function buildWheel(name: string, version: string, body: string): void {
  const script = `
import base64, hashlib, sys, zipfile
name, version, body, out = sys.argv[1:5]
files = {
    f"{name}/__init__.py": body,
    f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",
    f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: reverie-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(f"{out}/{name}-{version}-py3-none-any.whl", "w") as wheel:
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        wheel.writestr(path, data)
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    wheel.writestr(f"{name}-{version}.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
  execFileSync("python3", ["-c", script, name, version, body, wheels]);
}

const runtimes = findLocalRuntimes();
const environments = createToolEnvironments({
  cacheDir,
  python: runtimes.python?.path,
  installerEnv: { PATH: "/usr/bin:/bin", PIP_NO_INDEX: "1", PIP_FIND_LINKS: wheels },
});
const sandbox = createSandbox(sandboxConfigFromEnv({}), { warn: () => {}, env: process.env });
const runner = createCustomToolRunner({ sandbox, environments });

beforeAll(() => {
  mkdirSync(wheels, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  chmodSync(join(root, "private-home"), 0o700);
  buildWheel(
    "reverie_greeting",
    "1.2.0",
    'def greet(who):\n    return f"greetings, {who}"\nVERSION = "1.2.0"\n',
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pip_requirements", () => {
  it("installs a requirement from a local wheel and the tool imports it in the sandbox", async () => {
    expect(sandbox.kind).toBe("bubblewrap");
    const outcome = await runner.run({
      name: "greet_tool",
      sourceCode:
        "def greet_tool(who: str) -> str:\n    import reverie_greeting\n    return reverie_greeting.greet(who) + ' v' + reverie_greeting.VERSION\n",
      sourceType: "python",
      pipRequirements: [{ name: "reverie_greeting", version: "1.2.0" }],
      args: { who: "Ada" },
      env: { LETTA_AGENT_ID: "agent-req" },
    });
    expect(outcome).toMatchObject({ ok: true, text: "greetings, Ada v1.2.0" });
    // One environment for the set, kept for the next call.
    const folders = readdirSync(cacheDir);
    expect(folders.filter((folder) => folder.startsWith("py-"))).toHaveLength(1);
    expect(folders.some((folder) => folder.includes(".tmp-"))).toBe(false);
  });

  it("reuses the cached environment for the same set in another order", async () => {
    buildWheel("reverie_extra", "0.1.0", "VALUE = 7\n");
    const first = await environments.prepare({
      kind: "python",
      packages: [{ name: "reverie_extra" }, { name: "reverie_greeting", version: "1.2.0" }],
    });
    const second = await environments.prepare({
      kind: "python",
      packages: [{ name: "reverie_greeting", version: "==1.2.0" }, { name: "reverie_extra" }],
    });
    expect(first.ok && second.ok).toBe(true);
    expect(first.ok && first.value?.path).toBe(second.ok && second.value?.path);
  });

  it("a tool without the requirement cannot import it (environments are per set)", async () => {
    const outcome = await runner.run({
      name: "bare",
      sourceCode: "def bare():\n    import reverie_greeting\n    return 'imported'\n",
      sourceType: "python",
      args: {},
      env: {},
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.text).toBe(
      "Error executing function bare: ModuleNotFoundError: No module named 'reverie_greeting'",
    );
  });

  it("a requirement that cannot be installed is a tool error naming it", async () => {
    const outcome = await runner.run({
      name: "needs_missing",
      sourceCode: "def needs_missing():\n    return 1\n",
      sourceType: "python",
      pipRequirements: [{ name: "no_such_package_here", version: "9.9" }],
      args: {},
      env: {},
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.text).toMatch(
      /^Error executing function needs_missing: RequirementsError: Installing the tool's requirements \(no_such_package_here==9\.9\) failed: /,
    );
  });
});

describe("requirement specs", () => {
  it("renders Letta's pip and npm requirements and refuses paths, URLs and options", () => {
    expect(pipSpec({ name: "requests", version: "2.31.0" })).toBe("requests==2.31.0");
    expect(pipSpec({ name: "requests", version: ">=2,<3" })).toBe("requests>=2,<3");
    expect(pipSpec({ name: "pandas[excel]" })).toBe("pandas[excel]");
    for (const hostile of ["--index-url=http://evil", "/etc/passwd", "git+https://x/y", "../x", "-e ."])
      expect(pipSpec({ name: hostile })).toBeUndefined();
    expect(pipSpec({ name: "ok", version: "1; rm -rf /" })).toBeUndefined();
    expect(npmSpec({ name: "lodash", version: "^4.17.0" })).toBe("lodash@^4.17.0");
    expect(npmSpec({ name: "@scope/pkg", version: "1.0.0" })).toBe("@scope/pkg@1.0.0");
    expect(npmSpec({ name: "x", version: "file:/root/.reverie" })).toBeUndefined();
    expect(npmSpec({ name: "x", version: "git+ssh://host/repo" })).toBeUndefined();
    expect(npmSpec({ name: "../../etc" })).toBeUndefined();
  });
});
