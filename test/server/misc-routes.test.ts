import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./test-app.js";

describe("Letta Cloud routes", () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it("answers Cloud-only routes with a 404 that says they are a Letta Cloud feature", async () => {
    const agentId = (await t.call("POST", "/v1/agents/", { model: "openai/gpt-4o-mini", memory_blocks: [] }))
      .body.id;
    const probes: Array<[string, string]> = [
      ["GET", `/v1/agents/${agentId}/secrets`],
      ["GET", `/v1/agents/${agentId}/mcp-servers`],
      ["GET", `/v1/agents/${agentId}/repositories/`],
      ["GET", "/v1/metadata/user"],
      ["GET", "/v1/metadata/balance"],
      ["POST", "/v1/providers/connect"],
      ["GET", "/v1/templates/"],
      ["POST", "/v1/client-side-access-tokens"],
      ["GET", "/v1/environments/device-1"],
    ];
    for (const [method, path] of probes) {
      const response = await t.call(method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.detail, path).toContain("Letta Cloud feature that Reverie does not serve");
      expect(response.headers.get("x-should-retry")).toBe("false");
    }
  });

  it("keeps the generic 404 for other unknown paths", async () => {
    const response = await t.call("GET", "/v1/no-such-thing");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ detail: "Not Found" });
    // Served routes next to Cloud-only ones are unaffected.
    expect((await t.call("GET", "/v1/models/")).status).toBe(200);
  });
});
