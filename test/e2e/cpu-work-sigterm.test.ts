import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

// A 9 MB upload used to be parsed and chunked on the event loop: /v1/health stalled for 52 s, and the
// process could not act on SIGTERM until the work was done. Now the work runs in a worker thread: the
// server answers while it runs and a SIGTERM stops it, thread and all.

/** Distinct random words in lines: the costliest ordinary text for the tokenizer (minutes to chunk). */
function heavyText(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  let seed = 11;
  while (size < bytes) {
    let word = "";
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    const length = 3 + (seed % 12);
    for (let i = 0; i < length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      word += String.fromCharCode(97 + ((seed >> 8) % 26));
    }
    word += seed % 9 === 0 ? ".\n" : " ";
    parts.push(word);
    size += word.length;
  }
  return parts.join("");
}

describe("CPU-heavy work and SIGTERM", () => {
  let openai: FakeLlmServer;
  let home: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"], embeddingDim: 64 });
    home = mkdtempSync(join(tmpdir(), "reverie-sigterm-"));
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await openai.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("answers while a 9 MB upload is processed, and a SIGTERM stops it mid-way", async () => {
    server = await startServerProcess({
      REVERIE_HOME: home,
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: openai.url,
    });
    const url = server.url;
    const folderResponse = await fetch(`${url}/v1/folders/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "big", embedding: "openai/text-embedding-3-small" }),
    });
    const folder = (await folderResponse.json()) as { id: string };
    expect(folderResponse.status, JSON.stringify(folder)).toBe(200);

    const form = new FormData();
    form.append("file", new File([heavyText(9 * 1024 * 1024)], "big.txt", { type: "text/plain" }));
    const upload = await fetch(`${url}/v1/folders/${folder.id}/upload`, { method: "POST", body: form });
    const file = (await upload.json()) as { id: string };
    expect(upload.status, JSON.stringify(file)).toBe(200);

    const fileStatus = async () => {
      const response = await fetch(`${url}/v1/folders/${folder.id}/files/${file.id}`);
      return ((await response.json()) as { processing_status: string }).processing_status;
    };
    // Wait until the job has taken the file (parsing, then chunking, both in a worker thread).
    let status = await fileStatus();
    for (let attempt = 0; attempt < 300 && status === "pending"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await fileStatus();
    }
    expect(status).toBe("parsing");
    // The server answers meanwhile, and chunking 9 MB of random words takes far longer than this test:
    // the file is still being processed when the signal comes.
    for (let probe = 0; probe < 5; probe++) {
      expect((await fetch(`${url}/v1/health`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(["parsing", "embedding"]).toContain(await fileStatus());

    const code = await Promise.race([
      server.stop("SIGTERM"),
      new Promise<string>((resolve) => setTimeout(() => resolve("still running"), 30_000)),
    ]);
    expect(code, server.output()).toBe(0);
    expect(server.output()).toMatch(/Stopping \(SIGTERM\)/);
  }, 120_000);
});
