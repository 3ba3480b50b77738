import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/domain/index.js";
import { startServer } from "../../src/server/serve.js";
import { type FakeLlmServer, startFakeOpenAI } from "../fake-llm/index.js";
import { describeOnEachStore } from "../helpers/store-suites.js";
import { createTestApp, type TestApp } from "./test-app.js";

const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

// One rule for hostile input on both stores: nesting is bounded (422), NUL is dropped from every string,
// configs written as given must name a provider this server runs.
describeOnEachStore("request hygiene", (storeKind) => {
  let t: TestApp;
  let fake: FakeLlmServer;
  // The same app over an OpenAI-style endpoint that lists what it serves.
  let served: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ store: storeKind });
    fake = await startFakeOpenAI({ models: ["gpt-4o-mini", "text-embedding-3-small"] });
    served = await createTestApp({
      store: storeKind,
      providers: { openai: { apiKey: "sk-test", baseUrl: fake.url } },
    });
  });
  afterAll(async () => {
    await t.close();
    await served.close();
    await fake.close();
  });

  it("answers JSON nested 100,000 deep with a 422 naming the limit and writes nothing", async () => {
    const blocksBefore = (await t.store.blocks.list({ limit: 10_000 })).length;
    for (const body of [
      `{"label": "deep", "value": "v", "metadata": ${nested(100_000)}}`,
      "[".repeat(100_000) + "]".repeat(100_000),
      `{"label": "deep", "value": "v", "metadata": ${nested(MAX_JSON_DEPTH)}}`,
    ]) {
      const response = await t.call("POST", "/v1/blocks/", body);
      expect(response.status).toBe(422);
      expect(response.body.detail).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
    }
    expect((await t.store.blocks.list({ limit: 10_000 })).length).toBe(blocksBefore);
    expect(t.logged).toEqual([]);

    // Nesting within the limit is kept as sent.
    const fine = await t.call("POST", "/v1/blocks/", {
      label: "nested-ok",
      value: "v",
      metadata: JSON.parse(nested(20)),
    });
    expect(fine.status).toBe(200);
    expect(JSON.stringify(fine.body.metadata)).toBe(nested(20));

    // An Agent File is parsed under the same bound.
    const file = JSON.parse(
      readFileSync(new URL("../fixtures/agent-files/memgpt_agent.af", import.meta.url), "utf8"),
    );
    const text = JSON.stringify(JSON.parse(file)).replace('"agents":', `"deep": ${nested(500)}, "agents":`);
    const form = new FormData();
    form.append("file", new File([text], "agent.af", { type: "application/json" }));
    const imported = await t.app.request("/v1/agents/import", { method: "POST", body: form });
    expect(imported.status).toBe(422);
    expect(((await imported.json()) as { detail: string }).detail).toMatch(/agent file nests .* 128 levels/);
  });

  it("drops NUL from labels, names, values, keys, query and path parameters alike", async () => {
    const block = await t.call("POST", "/v1/blocks/", {
      label: "pe\u0000rsona",
      value: "likes\u0000 tea",
      description: "d\u0000",
      metadata: { "k\u0000ey": ["v\u0000"] },
    });
    expect(block.status).toBe(200);
    expect(block.body).toMatchObject({
      label: "persona",
      value: "likes tea",
      description: "d",
      metadata: { key: ["v"] },
    });
    const stored = await t.call("GET", `/v1/blocks/${block.body.id}`);
    expect(stored.body).toMatchObject({ label: "persona", value: "likes tea", metadata: { key: ["v"] } });

    const agent = await t.call("POST", "/v1/agents/", {
      name: "nul\u0000agent",
      tags: ["t\u0000ag"],
      memory_blocks: [{ label: "hu\u0000man", value: "h\u0000" }],
    });
    expect(agent.status).toBe(200);
    expect(agent.body.name).toBe("nulagent");
    expect(agent.body.tags).toEqual(["tag"]);
    expect(agent.body.memory.blocks.map((b: { label: string; value: string }) => [b.label, b.value])).toEqual(
      [["human", "h"]],
    );

    const byName = await t.call("GET", "/v1/agents/?name=nul%00agent");
    expect(byName.status).toBe(200);
    expect(byName.body.map((a: { id: string }) => a.id)).toEqual([agent.body.id]);
    const byPath = await t.call("GET", `/v1/agents/${agent.body.id}%00`);
    expect(byPath.status).toBe(200);
    expect(byPath.body.id).toBe(agent.body.id);

    const archive = await t.call("POST", "/v1/archives/", { name: "ar\u0000chive" });
    expect(archive.status).toBe(200);
    expect(archive.body.name).toBe("archive");
    const passage = await t.call("POST", `/v1/archives/${archive.body.id}/passages`, {
      text: "pass\u0000age",
      tags: ["x\u0000"],
    });
    expect(passage.status).toBe(200);
    expect(passage.body).toMatchObject({ text: "passage", tags: ["x"] });
    expect(t.logged).toEqual([]);
  });

  it("refuses llm_config and embedding_config naming a provider it does not know, as it refuses such handles", async () => {
    const archivesBefore = (await t.call("GET", "/v1/archives/?limit=1000")).body.length;
    const unknownEmbedding = { embedding_endpoint_type: "nope", embedding_model: "m", embedding_dim: 8 };
    const badArchive = await t.call("POST", "/v1/archives/", {
      name: "bad",
      embedding_config: unknownEmbedding,
    });
    expect(badArchive.status).toBe(422);
    expect(badArchive.body.detail).toMatch(/^embedding_config: Unknown provider 'nope'/);
    const empty = await t.call("POST", "/v1/archives/", {
      name: "bad",
      embedding_config: { embedding_endpoint_type: "", embedding_model: "", embedding_dim: 1 },
    });
    expect(empty.status).toBe(422);
    expect(empty.body.detail).toMatch(/^embedding_config: Invalid model handle/);
    // An OpenAI-style endpoint says which models it serves: another name would fail every insert.
    const unserved = await served.call("POST", "/v1/archives/", {
      name: "bad",
      embedding_config: { embedding_endpoint_type: "openai", embedding_model: "nil", embedding_dim: 1536 },
    });
    expect(unserved.status).toBe(422);
    expect(unserved.body.detail).toMatch(/^embedding_config: Embedding model 'openai\/nil' not found/);
    const servedArchive = await served.call("POST", "/v1/archives/", {
      name: "good",
      embedding_config: {
        embedding_endpoint_type: "openai",
        embedding_model: "text-embedding-3-small",
        embedding_dim: 384,
      },
    });
    expect(servedArchive.status).toBe(200);
    // Fewer dimensions than the model has may be asked for (text-embedding-3), more may not.
    const tooWide = await served.call("POST", "/v1/archives/", {
      name: "bad",
      embedding_config: {
        embedding_endpoint_type: "openai",
        embedding_model: "text-embedding-3-small",
        embedding_dim: 9_332_494_375_765,
      },
    });
    expect(tooWide.status).toBe(422);
    expect(tooWide.body.detail).toMatch(
      /^embedding_config: embedding_dim 9332494375765 is more than the \d+ dimensions/,
    );
    const noEmbeddings = await t.call("POST", "/v1/archives/", {
      name: "bad",
      embedding_config: { embedding_endpoint_type: "anthropic", embedding_model: "m", embedding_dim: 8 },
    });
    expect(noEmbeddings.status).toBe(422);
    expect((await t.call("GET", "/v1/archives/?limit=1000")).body.length).toBe(archivesBefore);

    const agentsBefore = await t.store.agents.count();
    const badAgent = await t.call("POST", "/v1/agents/", {
      name: "bad",
      llm_config: { model: "m", model_endpoint_type: "nope", context_window: 8000 },
    });
    expect(badAgent.status).toBe(422);
    expect(badAgent.body.detail).toMatch(/^llm_config: Unknown provider 'nope'/);
    expect(await t.store.agents.count()).toBe(agentsBefore);
    // A known provider not configured yet is taken as given (configuring it makes the agent work).
    const unconfigured = await t.call("POST", "/v1/agents/", {
      name: "later",
      llm_config: { model: "claude", model_endpoint_type: "anthropic", context_window: 8000 },
    });
    expect(unconfigured.status).toBe(200);

    // A config naming a configured provider is still taken as given.
    const agent = await t.call("POST", "/v1/agents/", {
      name: "legacy",
      llm_config: { model: "gpt-4o-mini", model_endpoint_type: "openai", context_window: 8000 },
      embedding_config: {
        embedding_endpoint_type: "openai",
        embedding_model: "text-embedding-3-small",
        embedding_dim: 1536,
      },
    });
    expect(agent.status).toBe(200);
    expect(agent.body.llm_config.handle).toBe("openai/gpt-4o-mini");
    const badPatch = await t.call("PATCH", `/v1/agents/${agent.body.id}`, {
      embedding_config: unknownEmbedding,
    });
    expect(badPatch.status).toBe(422);
    const after = await t.call("GET", `/v1/agents/${agent.body.id}`);
    expect(after.body.embedding_config.embedding_model).toBe("text-embedding-3-small");

    const folder = await t.call("POST", "/v1/folders/", { name: "f", embedding_config: unknownEmbedding });
    expect(folder.status).toBe(422);
  });

  it("reads an empty query parameter as the empty string, except an optional free-text one", async () => {
    const agent = await t.call("POST", "/v1/agents/", { name: "searcher" });
    const search = await t.call("GET", `/v1/agents/${agent.body.id}/archival-memory/search?query=`);
    expect(search.status).toBe(200);
    expect(search.body.results).toEqual([]);
    const missing = await t.call("GET", `/v1/agents/${agent.body.id}/archival-memory/search`);
    expect(missing.status).toBe(422);
    // An empty enum or integer is checked like any value; an empty optional cursor means "none".
    const emptyOrder = await t.call("GET", "/v1/steps/?order=");
    expect(emptyOrder.status).toBe(422);
    expect(emptyOrder.body.detail).toMatch(/order/);
    expect((await t.call("GET", "/v1/agents/?limit=")).status).toBe(422);
    const noCursor = await t.call("GET", "/v1/agents/?before=&after=");
    expect(noCursor.status).toBe(200);
    expect(noCursor.body.length).toBeGreaterThan(0);
  });
});

describe("methods the document does not list", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers another method on a known path with 405 and the allowed ones", async () => {
    const put = await t.call("PUT", "/v1/agents/");
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
    expect(put.body).toEqual({ detail: "Method Not Allowed" });
    const health = await t.call("POST", "/v1/health");
    expect(health.status).toBe(405);
    expect(health.headers.get("allow")).toBe("GET");
    const one = await t.call("POST", "/v1/agents/agent-123");
    expect(one.status).toBe(405);
    expect(one.headers.get("allow")?.split(", ").sort()).toEqual(["DELETE", "GET", "PATCH"]);
    expect((await t.call("PUT", "/v1/nothing-here")).status).toBe(404);
  });

  it("answers TRACE (which fetch cannot send) with 405 over a real socket", async () => {
    const server = await startServer({ app: t.app, port: 0 });
    try {
      const { status, allow } = await new Promise<{ status: number; allow: string | undefined }>(
        (resolve, reject) => {
          // A fixed path is not mistaken for the parameterised one beside it (`/v1/agents/{agent_id}`).
          const traced = request(`${server.url}/v1/agents/count`, { method: "TRACE" }, (response) => {
            response.resume();
            resolve({ status: response.statusCode ?? 0, allow: response.headers.allow });
          });
          traced.once("error", reject);
          traced.end();
        },
      );
      expect(status).toBe(405);
      expect(allow).toBe("GET");
    } finally {
      await server.close();
    }
  });
});
