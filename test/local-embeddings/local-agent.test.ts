import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Letta from "@letta-ai/letta-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestModel } from "../helpers/local-model.js";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.js";

// A real `reverie server` with no provider configured at all (no API key, no base URL): only the
// models directory built from PyPI. local/all-MiniLM-L6-v2 is the default embedding model, and archival search
// finds passages by meaning through the official client.
describe("an agent with local embeddings and no provider configured", () => {
  let home: string;
  let server: ServerProcess;
  let client: Letta;

  beforeAll(async () => {
    const modelsDir = await buildTestModel();
    home = mkdtempSync(join(tmpdir(), "reverie-local-"));
    server = await startServerProcess({ REVERIE_HOME: home, REVERIE_MODELS_DIR: modelsDir });
    client = new Letta({ baseURL: server.url, apiKey: null, maxRetries: 0 });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("lists the local model and makes it the default embedding", async () => {
    const embeddings = await client.models.embeddings.list();
    expect(embeddings.map((model) => model.handle)).toEqual(["local/all-MiniLM-L6-v2"]);
    expect(embeddings[0]?.embedding_dim).toBe(384);

    // As in Letta, an agent created without `embedding` searches by text; folders and archives take the default.
    const textOnly = await client.agents.create({
      name: "text-only",
      llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 128_000 },
    });
    expect(textOnly.embedding_config).toBeNull();
    const folder = await client.folders.create({ name: "local-notes" });
    expect(folder.embedding_config?.handle).toBe("local/all-MiniLM-L6-v2");

    const agent = await client.agents.create({
      name: "local-memory",
      embedding: "local/all-MiniLM-L6-v2",
      // No chat provider is configured either: the agent only stores and searches memory here.
      llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 128_000 },
    });
    expect(agent.embedding_config?.handle).toBe("local/all-MiniLM-L6-v2");
    expect(agent.embedding_config?.embedding_dim).toBe(384);

    const passages = [
      "My sister adopted a golden retriever puppy last spring; it sleeps on her bed.",
      "The quarterly budget review moved to the second week of March.",
      "I finally fixed the leaking kitchen tap with a new washer.",
      "We drove along the coast road and stopped at every lighthouse.",
      "Her favourite dessert is a lemon tart with a thin, crisp crust.",
    ];
    for (const text of passages) await client.agents.passages.create(agent.id, { text });

    // No word of the query is in the passage it should find: only the vectors can connect them.
    const found = await client.agents.passages.search(agent.id, { query: "Which pets does the family own?" });
    const top = found.results[0] as { content: string };
    expect(top.content).toContain("golden retriever");

    const found2 = await client.agents.passages.search(agent.id, { query: "plumbing repair at home" });
    expect((found2.results[0] as { content: string }).content).toContain("leaking kitchen tap");
  });

  it("refuses an unknown local model with a clear 4xx", async () => {
    const response = await fetch(`${server.url}/v1/agents/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "bad",
        embedding: "local/../../etc/passwd",
        llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 128_000 },
      }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const body = (await response.json()) as { detail: string };
    expect(body.detail).toMatch(/local\/\.\.\/\.\.\/etc\/passwd' not found on provider 'local'/);
  });
});
