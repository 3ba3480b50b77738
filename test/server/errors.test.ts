import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLog } from "../../src/domain/index.js";
import { createModelRegistry } from "../../src/llm/model-registry.js";
import type { Services } from "../../src/runtime/services.js";
import { createApp } from "../../src/server/app.js";
import { createTestApp, type TestApp } from "./test-app.js";

describe("error responses", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ maxBodyBytes: 4096 });
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers malformed JSON with a 400 and writes nothing", async () => {
    const response = await t.call("POST", "/v1/agents/", '{"name": "x",');
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/^Invalid JSON body: /);
    expect(await t.store.agents.count()).toBe(0);
    const notAnObject = await t.call("POST", "/v1/blocks/", "[1, 2]");
    expect(notAnObject.status).toBe(422);
    expect(notAnObject.body.detail).toMatch(/^Invalid body: /);
  });

  it("names the bad field of a nested body", async () => {
    const response = await t.call("POST", "/v1/agents/", {
      name: 42,
      memory_blocks: [{ label: "persona", value: "ok" }, { label: "human" }],
      tags: "not-a-list",
    });
    expect(response.status).toBe(422);
    expect(response.body.detail).toMatch(/name: /);
    expect(response.body.detail).toMatch(/memory_blocks\[1\]\.value: /);
    expect(response.body.detail).toMatch(/tags: /);
    expect(await t.store.agents.count()).toBe(0);
  });

  it("refuses an oversized body with a 413", async () => {
    const response = await t.call("POST", "/v1/blocks/", { label: "big", value: "x".repeat(10_000) });
    expect(response.status).toBe(413);
    expect(response.body.detail).toMatch(/too large/);
    expect(await t.store.blocks.list({})).toEqual([]);
  });

  it("answers unknown routes and methods with {detail: 'Not Found'}", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nothing-here"],
      // `GET /` is the web app (test/server/web-app.test.ts); other methods on it are not routes.
      ["DELETE", "/"],
      ["PUT", "/v1/agents/x/nothing"],
    ] as const) {
      const response = await t.call(method, path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: "Not Found" });
    }
  });

  it("hides internal errors behind a trace id and logs them", async () => {
    const logged: unknown[] = [];
    const broken = {
      agents: {
        get: async () => {
          throw new Error("database exploded at /secret/path");
        },
      },
    } as unknown as Services;
    const app = createApp({
      services: broken,
      registry: createModelRegistry({}),
      version: { letta: "0.16.8", reverie: "test" },
      log: { ...silentLog, error: (fields) => logged.push(fields) },
    });
    const response = await app.request("/v1/agents/agent-1");
    expect(response.status).toBe(500);
    const body = (await response.json()) as { detail: string; trace_id: string };
    expect(body.detail).toBe("Internal server error");
    expect(body.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get("x-request-id")).toBe(body.trace_id);
    expect(JSON.stringify(body)).not.toMatch(/secret|exploded/);
    expect(logged).toEqual([
      expect.objectContaining({ trace_id: body.trace_id, path: "/v1/agents/agent-1" }),
    ]);
    expect(String((logged[0] as { error: string }).error)).toMatch(/database exploded/);
  });
});
